import fc from 'fast-check';
import type { DataSource } from 'typeorm';
import { brokenInvariants } from '../../reliability/invariants.js';
import { OpenApiResponseChecker, type OpenApiDocument } from '../../support/openapi.js';
import { rawRequest } from './http-client.js';
import { ProtectedRows } from './protected-rows.js';
import { asText, concretize, operationsOf, RawSegment, requestArbitrary, type FuzzRequest } from './requests.js';
import { FuzzWorld, worldHints, type Caller } from './world.js';

export interface FuzzOptions {
  baseUrl: string;
  db: DataSource;
  caller: Caller;
  runs: number;
  seed: number;
  /** Collect every distinct problem instead of stopping at the first (exploration). */
  keepGoing?: boolean;
}

export interface FuzzReport {
  requests: number;
  rebuilds: number;
  /** `GET /v1/orgs` → status → count. */
  statuses: Record<string, Record<number, number>>;
  /** With `keepGoing`: one example per distinct problem. */
  problems: Map<string, string>;
  /** Milliseconds spent sending, checking the database, rebuilding the world. */
  timing: { send: number; checks: number; rebuild: number };
}

interface Sent {
  url: string;
  status: number;
  contentType: string | undefined;
  body: string;
}

/**
 * Sends `runs` generated requests as `caller` and fails on the first response that is a 5xx, that
 * does not match the OpenAPI document, that broke a data invariant, or (for the low-privilege
 * caller) that changed a row the caller has no right to change. Replay with the same seed.
 */
export async function fuzz(options: FuzzOptions): Promise<FuzzReport> {
  const document = (await (await fetch(`${options.baseUrl}/openapi.json`)).json()) as OpenApiDocument & Record<string, any>;
  const run = new FuzzRun(options, new OpenApiResponseChecker(document));
  await run.start();
  const arbitrary = requestArbitrary(operationsOf(document), document, worldHints);
  await fc.assert(
    fc.asyncProperty(arbitrary, (req) => run.step(req)),
    { numRuns: options.runs, seed: options.seed, endOnFailure: true },
  );
  run.report.rebuilds = run.world.rebuilds;
  return run.report;
}

class FuzzRun {
  readonly world: FuzzWorld;
  readonly report: FuzzReport = { requests: 0, rebuilds: 0, statuses: {}, problems: new Map(), timing: { send: 0, checks: 0, rebuild: 0 } };
  private readonly guard?: ProtectedRows;

  constructor(
    private readonly options: FuzzOptions,
    private readonly checker: OpenApiResponseChecker,
  ) {
    this.world = new FuzzWorld(options.db, options.baseUrl, options.caller);
    if (options.caller !== 'admin') this.guard = new ProtectedRows(options.db, () => this.world.callerId);
  }

  async start(): Promise<void> {
    await this.world.build();
    await this.guard?.take();
  }

  async step(req: FuzzRequest): Promise<void> {
    try {
      await this.check(req);
    } catch (error) {
      if (!this.options.keepGoing) throw error;
      const message = String((error as Error).message);
      const kind = message.split('\n')[0].replace(/^.*?answered/, 'answered').replace(/[0-9a-f-]{36}/g, ':id').slice(0, 200);
      if (!this.report.problems.has(`${req.operation} ${kind}`)) this.report.problems.set(`${req.operation} ${kind}`, clip(message));
    }
  }

  private async check(req: FuzzRequest): Promise<void> {
    const sent = await this.timed('send', () => send(req, this.world, this.options.baseUrl));
    this.count(req, sent.status);
    const problem = sent.status >= 500 ? `answered ${sent.status}` : this.checker.check({ method: req.method, ...sent });
    if (problem) throw new Error(`${problem}\n  request: ${describe(req, sent.url)}\n  body: ${clip(sent.body, 500)}`);
    if (req.method === 'GET' || sent.status >= 300) return;
    // A write went through: the data must still be whole, and the low-privilege caller's reach bounded.
    const broken = await this.timed('checks', () => brokenInvariants(this.options.db));
    if (Object.keys(broken).length > 0) throw new Error(`invariants broken after ${describe(req, sent.url)}: ${JSON.stringify(broken)}`);
    const violations = (await this.timed('checks', async () => this.guard?.violations())) ?? [];
    if (violations.length > 0) {
      throw new Error(`${this.options.caller} changed what it had no right to: ${describe(req, sent.url)} → ${sent.status}\n${violations.slice(0, 5).join('\n')}`);
    }
    if (!(await this.timed('checks', () => this.world.intact()))) await this.timed('rebuild', () => this.start());
    else await this.timed('rebuild', () => this.world.replenish());
  }

  private count(req: FuzzRequest, status: number): void {
    this.report.requests++;
    const counts = (this.report.statuses[req.operation] ??= {});
    counts[status] = (counts[status] ?? 0) + 1;
  }

  private async timed<T>(key: keyof FuzzReport['timing'], fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await fn();
    } finally {
      this.report.timing[key] += performance.now() - started;
    }
  }
}

async function send(req: FuzzRequest, world: FuzzWorld, baseUrl: string): Promise<Sent> {
  const resolveSym = world.resolve.bind(world);
  const path = req.template.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = concretize(req.path[name], resolveSym);
    return value instanceof RawSegment ? value.text : encodeURIComponent(asText(value));
  });
  const query = new URLSearchParams(req.query.map(([k, v]) => [k, asText(concretize(v, resolveSym))]));
  const url = `${path}${query.size ? `?${query}` : ''}`;
  const headers: Record<string, string> = {};
  if (req.auth === 'caller') headers.authorization = `Bearer ${world.token}`;
  if (req.auth === 'garbage') headers.authorization = 'Bearer eyJhbGciOiJub25lIn0.e30.';
  for (const [name, value] of req.headers ?? []) headers[name.toLowerCase()] = value;
  let body: string | undefined;
  if (req.body.kind === 'json') {
    body = JSON.stringify(concretize(req.body.value, resolveSym)) ?? 'null';
    headers['content-type'] = 'application/json';
  } else if (req.body.kind === 'form') {
    const fields = concretize(req.body.value, resolveSym) as Record<string, unknown>;
    body = new URLSearchParams(Object.entries(fields).map(([k, v]) => [k, asText(v, 10_000)])).toString();
    headers['content-type'] = 'application/x-www-form-urlencoded';
  } else if (req.body.kind === 'raw') {
    body = req.body.text;
    headers['content-type'] = req.body.contentType;
  }
  const res = await rawRequest(baseUrl, req.method, url, headers, body);
  return { url, status: res.status, contentType: res.headers['content-type'], body: res.body };
}

function clip(text: string, max = 1500): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}

function describe(req: FuzzRequest, url: string): string {
  const body = req.body.kind === 'json' || req.body.kind === 'form' ? JSON.stringify(req.body.value) : req.body.kind === 'raw' ? JSON.stringify(req.body.text) : '';
  return `${req.method} ${clip(url, 300)} (auth: ${req.auth}) ${clip(body ?? '', 300)}`;
}
