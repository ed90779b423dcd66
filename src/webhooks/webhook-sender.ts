import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { resolveTarget, type CheckedAddress } from './ssrf.js';

export interface SendOutcome {
  status: number | null;
  durationMs: number;
  error: string | null;
}

export interface SendRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  allowPrivate: boolean;
}

/** What is read of a receiver's answer; the rest is dropped (only the status matters). */
const RESPONSE_LIMIT = 64 * 1024;

/**
 * POSTs one delivery. The host is resolved and checked here, and the connection goes to that checked
 * address (the request's `lookup` answers with it), so a DNS answer that changes between the check
 * and the connect cannot point the request inward. Redirects are not followed: a 3xx is an answer
 * like any other non-2xx. The whole exchange is bounded by `timeoutMs`.
 */
export async function sendDelivery(request: SendRequest): Promise<SendOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const url = new URL(request.url);
    const [target] = await resolveTarget(url, request.allowPrivate);
    const status = await post(url, target, request);
    return { status, durationMs: elapsed(), error: null };
  } catch (error) {
    return { status: null, durationMs: elapsed(), error: (error as Error).message };
  }
}

function post(url: URL, target: CheckedAddress, request: SendRequest): Promise<number> {
  const lookup: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as (e: null, a: CheckedAddress[]) => void)(null, [target]);
    else callback(null, target.address, target.family);
  };
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<number>((resolve, reject) => {
    const req = client.request(url, {
      method: 'POST',
      headers: { ...request.headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(request.body)) },
      lookup,
      agent: false,
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    req.on('response', (res) => {
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > RESPONSE_LIMIT) res.destroy();
      });
      res.on('close', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', (error) => reject(error.name === 'AbortError' ? new Error(`no answer within ${request.timeoutMs} ms`) : error));
    req.end(request.body);
  });
}
