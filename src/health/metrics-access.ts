import { createHash, timingSafeEqual } from 'node:crypto';
import { AuthenticationError } from '../common/errors/app-error.js';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * With a metrics token configured, the request must present it as `Bearer <token>`. Both sides are
 * hashed first so that the comparison takes the same time whatever is sent, its length included.
 */
export function assertMetricsAccess(token: string | undefined, authorization: string | undefined): void {
  if (token === undefined) return;
  const presented = /^bearer +(\S+) *$/i.exec(authorization ?? '')?.[1] ?? '';
  if (!timingSafeEqual(digest(presented), digest(token))) throw new AuthenticationError();
}
