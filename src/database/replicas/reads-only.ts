import { SetMetadata } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';

/** Metadata key of `@ReadsOnly()`, read by the authentication guard. */
export const READS_ONLY_KEY = Symbol('reads_only');

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const READS_ONLY = Symbol('readsOnly');
type Flagged = IncomingMessage & { [READS_ONLY]?: true };

/**
 * A route whose method could write but which only reads, such as a POST that asks a question: its
 * caller and permissions may be read on a replica, and it leaves no read-your-writes mark (no
 * primary WAL read, no Redis write), as a GET does.
 */
export const ReadsOnly = (): MethodDecorator => SetMetadata(READS_ONLY_KEY, true);

/** Called by the authentication guard for a route marked `@ReadsOnly()`. */
export function markReadsOnly(req: IncomingMessage): void {
  (req as Flagged)[READS_ONLY] = true;
}

/**
 * Whether a request may write. Its own reads (the caller, the permission lookups) then go to the
 * primary, so that a change is never allowed on the strength of a copy that lags, and once it
 * succeeds its caller's mark is stored.
 */
export function mayWrite(req: IncomingMessage): boolean {
  return !SAFE_METHODS.has(req.method ?? '') && !(req as Flagged)[READS_ONLY];
}
