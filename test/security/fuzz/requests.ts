import fc from 'fast-check';
import { HOSTILE_SEGMENTS, hostileValue, RAW_BODIES } from './hostile.js';
import { resolve, validValue, valueFor, type Hints, type Schema } from './schema-arbitraries.js';
import { Sym } from './world.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

export interface Operation {
  method: string;
  path: string;
  spec: Schema;
}

export type Body = { kind: 'json' | 'form'; value: unknown } | { kind: 'raw'; text: string; contentType: string } | { kind: 'none' };

/** One generated request, still symbolic: ids are `Sym`s until it is sent. */
export interface FuzzRequest {
  operation: string;
  method: string;
  path: Record<string, unknown>;
  template: string;
  query: [string, unknown][];
  body: Body;
  auth: 'caller' | 'none' | 'garbage';
  /** The documented request headers sent (If-Match, If-None-Match, Idempotency-Key). */
  headers?: [string, string][];
}

export function operationsOf(document: Schema): Operation[] {
  return Object.entries(document.paths as Record<string, Schema>).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((method) => ({ method, path, spec: item[method] })),
  );
}

/**
 * Every operation of the document, with valid, boundary and hostile values everywhere. The
 * operations come in rounds, each of them once per round in an order drawn from the run's random
 * stream: every operation gets its share of the requests (with some 70 of them, drawing each
 * request's operation anew left one with a single request in 750 now and then). One arbitrary per
 * run (it counts what it handed out), so the same seed sends the same requests.
 */
export function requestArbitrary(operations: Operation[], document: Schema, hints: Hints): fc.Arbitrary<FuzzRequest> {
  const requests = operations.map((op) => operationRequest(op, document, hints.forOperation?.(describeOp(op).operation) ?? hints));
  let round: number[] = [];
  return fc
    .array(fc.noBias(fc.nat()), { minLength: requests.length, maxLength: requests.length })
    .chain((keys) => {
      if (round.length === 0) round = keys.map((key, i) => ({ key, i })).sort((a, b) => a.key - b.key || a.i - b.i).map(({ i }) => i);
      return requests[round.pop()!];
    });
}

/**
 * Two kinds of request, half and half: a valid one (every value from its schema, ids of one org,
 * the caller's token), which reaches the handlers and the database, and a mixed one, where each
 * value is valid, at an edge of its schema, or hostile, and the token may be missing or forged.
 */
function operationRequest(op: Operation, document: Schema, hints: Hints): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(validRequest(op, document, hints), mixedRequest(op, document, hints));
}

/**
 * The operation's parameters. A placeholder of the path template the document does not declare is
 * still filled (a string, from the hints by its name): a client sees it in the path all the same,
 * and without it the request would go to another route (`/v1/orgs//events`).
 */
function parametersOf(op: Operation, document: Schema): { path: Schema[]; query: Schema[]; header: Schema[] } {
  const params: Schema[] = (op.spec.parameters ?? []).map((p: Schema) => resolve(p, document));
  const path = params.filter((p) => p.in === 'path');
  for (const [, name] of op.path.matchAll(/\{([^}]+)\}/g)) if (!path.some((p) => p.name === name)) path.push({ name, in: 'path', required: true, schema: { type: 'string' } });
  return { path, query: params.filter((p) => p.in === 'query'), header: params.filter((p) => p.in === 'header') };
}

/** Tags, lists, `*`, weak tags, keys (a few reused across requests), and malformed values of both. */
const HEADER_VALUES = ['*', '"1"', '"2.1"', 'W/"1"', '"0", "1"', 'W/"x", *', '', 'k-1', 'k-2', '"k-1"', '"unterminated', 'x'.repeat(256), 'has space', '"a\\"b"'];

function headerValue(): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...HEADER_VALUES), weight: 3 },
    { arbitrary: fc.string({ maxLength: 300 }).map((v) => v.replace(/[^\x20-\x7e]/g, '').trim()), weight: 1 },
  );
}

/**
 * In a valid request a header is absent or a value that lets the request through: `If-Match: *`,
 * an `If-None-Match` no tag matches, a fresh key.
 */
function validHeaders(params: Schema[]): fc.Arbitrary<[string, string][]> {
  const none: [string, string][] = [];
  const valid = (name: string) => (name === 'Idempotency-Key' ? fc.uuid() : fc.constant(name === 'If-Match' ? '*' : '"0"'));
  return fc
    .tuple(...params.map((p) => fc.oneof(fc.constant(none), valid(String(p.name)).map((v): [string, string][] => [[String(p.name), v]]))))
    .map((entries) => entries.flat());
}

/** Each documented header absent or sent with one of the values above. */
function headersOf(params: Schema[]): fc.Arbitrary<[string, string][]> {
  const none: [string, string][] = [];
  return fc
    .tuple(...params.map((p) => fc.oneof(fc.constant(none), headerValue().map((v): [string, string][] => [[String(p.name), v]]))))
    .map((entries) => entries.flat());
}

function validRequest(op: Operation, document: Schema, hints: Hints): fc.Arbitrary<FuzzRequest> {
  const params = parametersOf(op, document);
  const path = fc.record(Object.fromEntries(params.path.map((p) => [p.name, validValue(p.schema ?? {}, document, hints, p.name)])));
  const none: [string, unknown][] = [];
  const present = (p: Schema) => (p.required ? fc.constant(true) : fc.boolean());
  const entry = (p: Schema) => validValue(p.schema ?? {}, document, hints, p.name).map((v): [string, unknown][] => [[p.name, v]]);
  const query = fc
    .tuple(...params.query.map((p) => present(p).chain((on) => (on ? entry(p) : fc.constant(none)))))
    .map((entries) => entries.flat());
  const schema = bodySchema(op.spec.requestBody, document);
  const kind = Object.keys(resolve(op.spec.requestBody ?? {}, document).content ?? {})[0] === 'application/x-www-form-urlencoded' ? ('form' as const) : ('json' as const);
  const body: fc.Arbitrary<Body> = schema ? validValue(schema, document, hints).map((value) => ({ kind, value })) : fc.constant({ kind: 'none' as const });
  const side = fc.constantFrom('own', 'own', 'other');
  const headers = validHeaders(params.header);
  return fc.record({ path, query, body, side, headers }).map(({ side: s, path: p, ...rest }) => ({
    ...describeOp(op),
    path: Object.fromEntries(Object.entries(p).map(([k, v]) => [k, sameSide(v, s)])),
    ...rest,
    auth: 'caller' as const,
  }));
}

function mixedRequest(op: Operation, document: Schema, hints: Hints): fc.Arbitrary<FuzzRequest> {
  const params = parametersOf(op, document);
  const path = fc.record(Object.fromEntries(params.path.map((p) => [p.name, pathValue(p, document, hints)])));
  const query = fc.tuple(...params.query.map((p) => queryValue(p, document, hints))).map((entries) => entries.flat() as [string, unknown][]);
  const body = bodyArbitrary(op.spec.requestBody, document, hints);
  const auth = fc.constantFrom<FuzzRequest['auth']>(...Array(8).fill('caller'), 'none', 'garbage');
  const headers = headersOf(params.header);
  return fc.record({ path, query, body, auth, headers }).map((r) => ({ ...describeOp(op), ...r }));
}

function describeOp(op: Operation): Pick<FuzzRequest, 'operation' | 'method' | 'template'> {
  return { operation: `${op.method.toUpperCase()} ${op.path}`, method: op.method.toUpperCase(), template: op.path };
}

/**
 * Ids of one request from the same org (the org, its workspace, its webhook endpoint, its API key:
 * every symbol with an `own` and an `other` side), so a valid request is not a 404 by construction.
 */
function sameSide(value: unknown, side: string): unknown {
  if (!(value instanceof Sym)) return value;
  const [kind, which] = value.name.split(':');
  return which === 'own' || which === 'other' ? new Sym(`${kind}:${side}`) : value;
}

function bodySchema(requestBody: Schema | undefined, document: Schema): Schema | undefined {
  if (!requestBody) return undefined;
  const content = resolve(requestBody, document).content ?? {};
  return content['application/json']?.schema ?? content['application/x-www-form-urlencoded']?.schema ?? {};
}

function pathValue(p: Schema, document: Schema, hints: Hints): fc.Arbitrary<unknown> {
  return fc.oneof(
    { arbitrary: validValue(p.schema ?? {}, document, hints, p.name), weight: 8 },
    { arbitrary: fc.uuid(), weight: 1 },
    { arbitrary: fc.uuid().map((u) => u.toUpperCase()), weight: 1 },
    { arbitrary: fc.constantFrom(...HOSTILE_SEGMENTS.map((text) => new RawSegment(text))), weight: 2 },
  );
}

/** A path segment sent exactly as written (already percent-encoded, or meant not to be). */
export class RawSegment {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** Absent, once, or repeated (an array on the server) with any value. */
function queryValue(p: Schema, document: Schema, hints: Hints): fc.Arbitrary<[string, unknown][]> {
  const one = valueFor(p.schema ?? {}, document, hints, p.name);
  return fc.oneof(
    { arbitrary: fc.constant<[string, unknown][]>([]), weight: p.required ? 1 : 4 },
    { arbitrary: one.map((v) => [[p.name, v]] as [string, unknown][]), weight: 5 },
    { arbitrary: fc.tuple(one, one).map(([a, b]) => [[p.name, a], [p.name, b]] as [string, unknown][]), weight: 1 },
  );
}

function bodyArbitrary(requestBody: Schema | undefined, document: Schema, hints: Hints): fc.Arbitrary<Body> {
  const raw = fc.record({
    kind: fc.constant('raw' as const),
    text: fc.oneof(fc.constantFrom(...RAW_BODIES), fc.string({ unit: 'binary', maxLength: 200 })),
    contentType: fc.constantFrom('application/json', 'application/json; charset=utf-16', 'text/plain', 'application/x-www-form-urlencoded', 'application/xml'),
  });
  const hostile = hostileValue().map((value) => ({ kind: 'json' as const, value }));
  const schema = bodySchema(requestBody, document);
  if (!schema) return fc.oneof({ arbitrary: fc.constant({ kind: 'none' as const }), weight: 8 }, { arbitrary: hostile, weight: 1 }, { arbitrary: raw, weight: 1 });
  const mixed = valueFor(schema, document, hints).map((value) => ({ kind: 'json' as const, value }));
  return fc.oneof({ arbitrary: mixed, weight: 7 }, { arbitrary: hostile, weight: 2 }, { arbitrary: raw, weight: 1 }, { arbitrary: fc.constant({ kind: 'none' as const }), weight: 1 });
}

/** `String.prototype.toWellFormed` (Node 20 has it; the ES2023 typings do not). */
const toWellFormed = (text: string) => (text as string & { toWellFormed(): string }).toWellFormed();

/** Replaces every `Sym` in a generated value by its current concrete value. */
export function concretize(value: unknown, resolveSym: (s: Sym) => string): unknown {
  if (value instanceof Sym) return resolveSym(value);
  if (value instanceof RawSegment) return value;
  if (Array.isArray(value)) return value.map((v) => concretize(v, resolveSym));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) Object.defineProperty(out, k, { value: concretize(v, resolveSym), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return value;
}

/**
 * A query or path value as text: strings as they are, anything else as JSON, cut to `max`
 * URL-encoded characters so that the request line stays under Node's 16 KiB header limit (past it Node itself
 * answers 431 before the application sees the request; the attack tests cover that).
 */
export function asText(value: unknown, max = 1_800): string {
  // Lone surrogates cannot travel in a URL (no UTF-8 form); the body fuzzing sends those.
  let text = toWellFormed(typeof value === 'string' ? value : (JSON.stringify(value) ?? ''));
  while (encodeURIComponent(text).length > max) text = text.slice(0, Math.floor(text.length / 2));
  return text;
}
