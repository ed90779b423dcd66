/**
 * Driver and server codes that mean "the database cannot serve this right now", not "bad query":
 * unreachable, shutting down, out of connections, or too slow (statement or lock timeout).
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE',
  '57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08004', '08006', '57014', '55P03',
]);
/**
 * Statement and lock timeouts: the connection is fine and the server answers, only this query took
 * too long. They answer 503 like the rest but say nothing about the database being away.
 */
const SLOW_CODES = new Set(['57014', '55P03']);
/** TypeORM's errors for a transaction whose connection was lost (and released) under it. */
const UNAVAILABLE_NAMES = new Set(['QueryRunnerProviderAlreadyReleasedError', 'QueryRunnerAlreadyReleasedError']);
/**
 * pg's messages without a code, each with the cause it is counted under and whether it means the
 * server is away. The pool's own "timeout exceeded" is a wait for a free connection: the pool was
 * busy, not necessarily the server away (a connection that could not be made says "Connection
 * terminated due to connection timeout").
 */
const UNAVAILABLE_MESSAGES: [string, string, boolean][] = [
  ['timeout exceeded when trying to connect', 'pool_timeout', false],
  ['Connection terminated due to connection timeout', 'connect_timeout', true],
  ['Connection terminated', 'connection_terminated', true],
  ['connection timeout', 'connect_timeout', true],
  ['Client has encountered a connection error', 'connection_error', true],
];

/** Why the database could not serve: a short label for metrics, and the error as the driver said it. */
export interface UnavailableCause {
  /** The code (`ECONNREFUSED`, `57P01`, …) or a label for pg's code-less messages. */
  cause: string;
  code?: string;
  message: string;
  /** The server is away or refusing connections: an outage, not merely a slow query or busy pool. */
  outage: boolean;
}

export function unavailableCause(error: unknown): UnavailableCause | undefined {
  for (let e: any = error, depth = 0; e && depth < 4; e = e.driverError ?? e.cause, depth++) {
    const message = typeof e.message === 'string' ? e.message : String(e);
    if (typeof e.code === 'string' && UNAVAILABLE_CODES.has(e.code)) return { cause: e.code, code: e.code, message, outage: !SLOW_CODES.has(e.code) };
    const name = UNAVAILABLE_NAMES.has(e.name) ? e.name : e.constructor?.name;
    if (UNAVAILABLE_NAMES.has(name)) return { cause: 'connection_released', message, outage: true };
    const known = UNAVAILABLE_MESSAGES.find(([m]) => message.includes(m));
    if (known) return { cause: known[1], message, outage: known[2] };
    // A connection to several addresses (localhost: ::1 and 127.0.0.1) fails with each one's error.
    const inner = Array.isArray(e.errors) ? e.errors.map(unavailableCause).find(Boolean) : undefined;
    if (inner) return inner;
  }
  return undefined;
}

/**
 * Told of every request refused for a database cause (the database module's outage tracking).
 * Returns whether that request's own log line is worth writing.
 */
export interface RefusalReporter {
  refused(cause: UnavailableCause): boolean;
}

/** Injection token of the `RefusalReporter`; optional, so the filter also serves without one. */
export const REFUSAL_REPORTER = Symbol('REFUSAL_REPORTER');

/** What a log line says of such an error: code and message, no stack (the error is expected). */
export function describeCause(c: UnavailableCause): { code: string; message: string } {
  return { code: c.code ?? c.cause, message: c.message };
}

export function isDatabaseUnavailable(error: unknown): boolean {
  return unavailableCause(error) !== undefined;
}

/** The SQLSTATE of a failed query, if the error came from PostgreSQL. */
export function sqlState(error: unknown): string | undefined {
  const e = error as { code?: unknown; driverError?: { code?: unknown } };
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** A deadlock (40P01) or serialization failure (40001): the same transaction may well succeed when replayed. */
export function isTransientConflict(error: unknown): boolean {
  const state = sqlState(error);
  return state === '40P01' || state === '40001';
}
