import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import supertest from 'supertest';
import { buildOpenApiDocument } from '../../dist/swagger.js';
import { OpenApiResponseChecker, type OpenApiDocument } from './openapi.js';

/** Tags every response with the number under which the server side recorded its check. */
export const CHECK_HEADER = 'x-openapi-check';

type Finding = { problem: string | undefined; reported: boolean };

/**
 * Every response the server sends is checked against the OpenAPI document as it is written, on
 * the server side, whoever the client is (supertest, fetch, a browser). A supertest request made
 * through `http()` fails with the problem; anything not reported that way fails `assertClean()`,
 * which the test app calls when it closes. So there is no client that escapes the check.
 */
export class ResponseValidation {
  private readonly findings = new Map<string, Finding>();
  private sequence = 0;

  private constructor(private readonly checker: OpenApiResponseChecker) {}

  /** Checks the application's responses against the document it serves. */
  static attach(app: INestApplication): ResponseValidation {
    return ResponseValidation.forServer(app.getHttpServer() as Server, buildOpenApiDocument(app) as unknown as OpenApiDocument);
  }

  static forServer(server: Server, document: OpenApiDocument): ResponseValidation {
    const validation = new ResponseValidation(checkerFor(document));
    validation.wrap(server);
    return validation;
  }

  /** A supertest client whose every request fails when its response does not match the document. */
  http(server: Server): ReturnType<typeof supertest> {
    const client = supertest(server);
    return new Proxy(client, {
      get: (target, property, receiver) => {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          const result = value.apply(target, args);
          return result instanceof supertest.Test ? this.hook(result) : result;
        };
      },
    });
  }

  /** Throws the problems no supertest request has reported yet. */
  assertClean(): void {
    const unreported = [...this.findings.values()].filter((f) => f.problem && !f.reported);
    for (const finding of unreported) finding.reported = true;
    if (unreported.length > 0) throw new Error(unreported.map((f) => f.problem).join('\n\n'));
  }

  private wrap(server: Server): void {
    const listeners = server.listeners('request') as RequestListener[];
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.capture(req, res);
      for (const listener of listeners) listener.call(server, req, res);
    });
  }

  /** Collects the body as written and checks it the moment the application ends the response. */
  private capture(req: IncomingMessage, res: ServerResponse): void {
    const id = String(++this.sequence);
    const target = req.url ?? '/';
    const chunks: Buffer[] = [];
    const collect = (chunk: unknown, encoding: unknown) => {
      if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8'));
    };
    res.setHeader(CHECK_HEADER, id);
    const write = res.write;
    const end = res.end;
    res.write = function (this: ServerResponse, chunk: unknown, encoding?: unknown, ...rest: unknown[]) {
      collect(chunk, encoding);
      return (write as Function).call(this, chunk, encoding, ...rest);
    } as ServerResponse['write'];
    res.end = ((...args: unknown[]) => {
      collect(args[0], args[1]);
      const contentType = res.getHeader('content-type');
      const problem = this.checker.check({
        method: req.method ?? 'GET',
        url: target,
        status: res.statusCode,
        contentType: contentType === undefined ? undefined : String(contentType),
        body: Buffer.concat(chunks).toString('utf8'),
      });
      this.findings.set(id, { problem, reported: false });
      return (end as Function).apply(res, args);
    }) as ServerResponse['end'];
  }

  /** Runs after the test's own expectations, so their message comes first when both fail. */
  private hook(test: supertest.Test): supertest.Test {
    const assert = (test as any).assert.bind(test);
    (test as any).assert = (resError: Error | null, res: any, fn?: (err: Error | null, res: any) => void) =>
      assert(resError, res, (error: Error | null, response: any) => {
        const problem = this.take(response);
        fn?.call(test, error ?? problem, response);
      });
    return test;
  }

  private take(response: { headers?: Record<string, string> } | undefined): Error | null {
    if (!response) return null;
    const id = response.headers?.[CHECK_HEADER];
    const finding = id ? this.findings.get(id) : undefined;
    if (!finding) return new Error(`response without a server-side OpenAPI check (${CHECK_HEADER}: ${id ?? 'absent'})`);
    finding.reported = true;
    return finding.problem ? new Error(finding.problem) : null;
  }
}

const checkers = new Map<string, OpenApiResponseChecker>();

/** One checker (and one set of compiled schemas) per distinct document in this test process. */
function checkerFor(document: OpenApiDocument): OpenApiResponseChecker {
  const key = JSON.stringify(document);
  let checker = checkers.get(key);
  if (!checker) checkers.set(key, (checker = new OpenApiResponseChecker(document)));
  return checker;
}
