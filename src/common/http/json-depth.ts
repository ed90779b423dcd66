import type { IncomingMessage, ServerResponse } from 'node:http';

/** Deeper than any document this API takes; deep enough for any preferences a person writes. */
export const MAX_JSON_DEPTH = 256;

/** Thrown from the JSON parser's `verify` hook; the exception filter answers it as a 422 `json_invalid`. */
export class JsonTooDeepError extends Error {
  readonly type = 'entity.too.deep';
  constructor(readonly offset: number) {
    super(`JSON nested deeper than ${MAX_JSON_DEPTH} levels at position ${offset}`);
  }
}

/**
 * A body-parser `verify` hook refusing documents nested deeper than `MAX_JSON_DEPTH`, before they
 * are parsed: every recursive walker after the parser (validation, the 422 echo of the input,
 * logging) would otherwise overflow the stack on a small body of brackets and answer 500.
 */
export function rejectDeepJson(_req: IncomingMessage, _res: ServerResponse, body: Buffer): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const byte = body[i];
    if (inString) {
      if (byte === 0x5c) i++; // backslash: skip the escaped byte
      else if (byte === 0x22) inString = false;
    } else if (byte === 0x22) inString = true;
    else if (byte === 0x5b || byte === 0x7b) {
      if (++depth > MAX_JSON_DEPTH) throw new JsonTooDeepError(body.subarray(0, i).toString('utf8').length);
    } else if (byte === 0x5d || byte === 0x7d) depth--;
  }
}
