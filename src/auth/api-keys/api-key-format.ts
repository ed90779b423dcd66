import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * An API key is `idk_` + 32 random base62 characters + 6 base62 characters of the CRC32 of those
 * 32 (most significant digit first, left-padded with `0`): 42 characters, matched by
 * `API_KEY_PATTERN`. The checksum lets a mistyped, truncated or made-up key be refused before any
 * database work, and lets secret scanners tell a real key from random text.
 */
export const API_KEY_PREFIX = 'idk_';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const RANDOM_LENGTH = 32;
const CHECKSUM_LENGTH = 6;
/** What a list shows of a key: its first random characters. */
const DISPLAY_PREFIX_LENGTH = 8;

export const API_KEY_PATTERN = /^idk_[0-9A-Za-z]{32}[0-9A-Za-z]{6}$/;

/** A key as stored: never the key itself. */
export interface StoredKey {
  /** SHA-256 of the whole key, hex. */
  hash: string;
  /** The first 8 random characters, shown in lists so a person can tell keys apart. */
  prefix: string;
}

/** A new key and what is stored of it. */
export function generateApiKey(): StoredKey & { key: string } {
  const random = randomBase62(RANDOM_LENGTH);
  const key = `${API_KEY_PREFIX}${random}${checksumOf(random)}`;
  return { key, ...storedFormOf(key) };
}

/** What is stored of `text` if it is a well-formed key with a correct checksum; null otherwise. */
export function parseApiKey(text: string): StoredKey | null {
  if (!API_KEY_PATTERN.test(text)) return null;
  const random = text.slice(API_KEY_PREFIX.length, API_KEY_PREFIX.length + RANDOM_LENGTH);
  if (text.slice(-CHECKSUM_LENGTH) !== checksumOf(random)) return null;
  return storedFormOf(text);
}

/** Whether a bearer token is meant as an API key (and so is not a JWT to verify). */
export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(API_KEY_PREFIX);
}

export function checksumOf(random: string): string {
  return toBase62(crc32(random)).padStart(CHECKSUM_LENGTH, '0');
}

export function toBase62(value: number): string {
  let n = value;
  let out = '';
  do {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  } while (n > 0);
  return out;
}

function storedFormOf(key: string): StoredKey {
  return { hash: createHash('sha256').update(key).digest('hex'), prefix: key.slice(API_KEY_PREFIX.length, API_KEY_PREFIX.length + DISPLAY_PREFIX_LENGTH) };
}

/** Uniform base62: bytes of 248 and above are dropped, so no character is likelier than another. */
function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}
