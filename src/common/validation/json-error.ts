/** Where a JSON document breaks, and why, in the words of Python's `json` module. */
export interface JsonErrorLocation {
  /** Character (code point) offset, as in `JSONDecodeError.pos`. */
  offset: number;
  /** `JSONDecodeError.msg`, e.g. `Expecting value`. */
  reason: string;
}

class JsonSyntax {
  constructor(
    readonly reason: string,
    readonly index: number,
  ) {}
}

const WHITESPACE = /[ \t\n\r]*/y;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?/y;
const LITERALS = ['null', 'true', 'false'];
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);

/**
 * FastAPI answers a malformed body with `loc: ["body", pos]` and `ctx.error` from Python's decoder.
 * V8's `JSON.parse` messages carry no position for some errors, so the document is scanned again
 * here the way CPython's scanner does (its positions and messages, including the 3.13 trailing-comma
 * ones). `NaN` and `Infinity`, which Python accepts and JavaScript does not, count as errors.
 * Returns undefined when the text is valid JSON.
 */
export function locateJsonError(text: string): JsonErrorLocation | undefined {
  try {
    const end = skip(text, scanValue(text, skip(text, 0)));
    if (end !== text.length) throw new JsonSyntax('Extra data', end);
    return undefined;
  } catch (error) {
    if (!(error instanceof JsonSyntax)) throw error;
    return { offset: codePoints(text, error.index), reason: error.reason };
  }
}

function skip(s: string, i: number): number {
  WHITESPACE.lastIndex = i;
  WHITESPACE.exec(s);
  return WHITESPACE.lastIndex;
}

/** Scans one value starting exactly at `i`; returns the index after it. */
function scanValue(s: string, i: number): number {
  const c = s[i];
  if (c === '"') return scanString(s, i + 1);
  if (c === '{') return scanObject(s, i + 1);
  if (c === '[') return scanArray(s, i + 1);
  const literal = LITERALS.find((word) => s.startsWith(word, i));
  if (literal) return i + literal.length;
  NUMBER.lastIndex = i;
  if (NUMBER.exec(s)) return NUMBER.lastIndex;
  throw new JsonSyntax('Expecting value', i);
}

function scanObject(s: string, start: number): number {
  let i = skip(s, start);
  if (s[i] === '}') return i + 1;
  for (;;) {
    if (s[i] !== '"') throw new JsonSyntax('Expecting property name enclosed in double quotes', i);
    i = skip(s, scanString(s, i + 1));
    if (s[i] !== ':') throw new JsonSyntax("Expecting ':' delimiter", i);
    i = skip(s, scanValue(s, skip(s, i + 1)));
    if (s[i] === '}') return i + 1;
    if (s[i] !== ',') throw new JsonSyntax("Expecting ',' delimiter", i);
    const comma = i;
    i = skip(s, i + 1);
    if (s[i] === '}') throw new JsonSyntax('Illegal trailing comma before end of object', comma);
  }
}

function scanArray(s: string, start: number): number {
  let i = skip(s, start);
  if (s[i] === ']') return i + 1;
  for (;;) {
    i = skip(s, scanValue(s, i));
    if (s[i] === ']') return i + 1;
    if (s[i] !== ',') throw new JsonSyntax("Expecting ',' delimiter", i);
    const comma = i;
    i = skip(s, i + 1);
    if (s[i] === ']') throw new JsonSyntax('Illegal trailing comma before end of array', comma);
  }
}

/** `start` is just after the opening quote; returns the index after the closing one. */
function scanString(s: string, start: number): number {
  const begin = start - 1;
  for (let i = start; ; i++) {
    if (i >= s.length) throw new JsonSyntax('Unterminated string starting at', begin);
    const c = s[i];
    if (c === '"') return i + 1;
    if (c.charCodeAt(0) <= 0x1f) throw new JsonSyntax('Invalid control character at', i);
    if (c !== '\\') continue;
    if (i + 1 >= s.length) throw new JsonSyntax('Unterminated string starting at', begin);
    const escape = s[i + 1];
    if (escape === 'u') {
      if (i + 6 >= s.length || !/^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) throw new JsonSyntax('Invalid \\uXXXX escape', i + 1);
      i += 5;
    } else if (ESCAPES.has(escape)) {
      i += 1;
    } else {
      throw new JsonSyntax('Invalid \\escape', i);
    }
  }
}

/** Python counts code points where JavaScript counts UTF-16 units. */
function codePoints(s: string, index: number): number {
  let count = 0;
  for (let i = 0; i < index; i++, count++) {
    const unit = s.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < index) i++;
  }
  return count;
}
