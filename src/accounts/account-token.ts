import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** What a mailed link is for. */
export type TokenPurpose = 'verify_email' | 'password_reset';

/** A new link token: 32 random bytes (base64url), and the sha256 that is all the table keeps. */
export function newAccountToken(): { token: string; hash: Buffer } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashAccountToken(token) };
}

export function hashAccountToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** The stored hash against the presented one, in time that does not depend on where they differ. */
export function sameHash(stored: Buffer, presented: Buffer): boolean {
  return stored.length === presented.length && timingSafeEqual(stored, presented);
}

/** The link a mail carries: the configured URL with the token in place of `{token}`. */
export function linkWith(template: string, token: string): string {
  return template.replaceAll('{token}', encodeURIComponent(token));
}
