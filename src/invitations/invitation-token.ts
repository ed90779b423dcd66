import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new invitation token (32 random bytes, base64url) and the SHA-256 the table keeps instead of it. */
export function newInvitationToken(): { token: string; hash: Buffer } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashInvitationToken(token) };
}

export function hashInvitationToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * The row was found through its hash, so the hashes are equal; the comparison is repeated in
 * constant time so that no code path ever compares secret material byte by byte.
 */
export function sameTokenHash(stored: Buffer, presented: Buffer): boolean {
  return stored.length === presented.length && timingSafeEqual(stored, presented);
}

/** The accept link: the configured URL with `{token}` replaced (URL-safe already: base64url). */
export function acceptUrlFor(template: string, token: string): string {
  return template.split('{token}').join(token);
}
