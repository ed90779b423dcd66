import type { Server } from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyServerTimeouts } from '../../dist/app.setup.js';
import { captureLogs, createTestApp, expectErrorShape, type TestApp } from '../support/app.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: any;
}

/** Writes `text` as is on a fresh connection and reads until the server closes it. */
function raw(port: number, text: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head, ...rest] = answer.split('\r\n\r\n');
      const [statusLine, ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      const body = rest.join('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3}) /.exec(statusLine)?.[1]), headers, body: body ? JSON.parse(body) : undefined });
    });
  });
}

/** Requests that Node's HTTP parser refuses before the application runs: still the standard error. */
describe('errors Node answers itself', () => {
  let t: TestApp;
  let port: number;
  let lines: string[] = [];

  beforeAll(async () => {
    t = await createTestApp({ HEADERS_TIMEOUT_MS: '1000', LOG_LEVEL: 'info' });
    const server: Server = t.app.getHttpServer();
    applyServerTimeouts(server, t.config);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
    lines = captureLogs(t);
  });
  afterAll(() => t.close());

  function expectStandard(res: RawResponse, status: number, error: string): void {
    expect(res.status).toBe(status);
    expectErrorShape(res.body, status, error);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['x-request-id']).toMatch(UUID);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  }

  it('a header that does not parse is a 400 BAD_REQUEST with a request id, which the log carries', async () => {
    const res = await raw(port, 'GET /v1/users/me HTTP/1.1\r\nHost: x\r\nX-Request-ID: mine\r\nNo colon here\r\n\r\n');
    expectStandard(res, 400, 'BAD_REQUEST');
    expect(res.body.details).toEqual({});
    expect(res.headers['x-request-id']).not.toBe('mine'); // headers that did not parse are not trusted
    const logged = lines.map((l) => JSON.parse(l)).find((l) => l.req?.id === res.headers['x-request-id']);
    expect(logged).toMatchObject({ level: 30, res: { statusCode: 400 }, error: { code: expect.stringMatching(/^HPE_/) } });
  });

  it('a malformed request line is a 400 BAD_REQUEST', async () => {
    expectStandard(await raw(port, 'NOT AN HTTP REQUEST\r\n\r\n'), 400, 'BAD_REQUEST');
  });

  it('headers over the limit are a 431 with the limit in details', async () => {
    const res = await raw(port, `GET /v1/orgs HTTP/1.1\r\nHost: x\r\nX-Padding: ${'p'.repeat(20_000)}\r\n\r\n`);
    expectStandard(res, 431, 'REQUEST_HEADER_FIELDS_TOO_LARGE');
    expect(res.body.details).toEqual({ limit_bytes: 16_384 });
  });

  it('headers not sent in time are a 408 REQUEST_TIMEOUT', async () => {
    const started = Date.now();
    const res = await raw(port, 'GET /v1/orgs HTTP/1.1\r\nHost: x\r\nX-Slow: still typing');
    expectStandard(res, 408, 'REQUEST_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
