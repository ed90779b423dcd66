import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { API_KEY_PATTERN, checksumOf, generateApiKey, parseApiKey, toBase62 } from '../../dist/auth/api-keys/api-key-format.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

describe('API key format', () => {
  it('makes idk_ + 32 base62 + a 6-character base62 CRC32 of the 32, and stores only a hash and the first 8', () => {
    const { key, hash, prefix } = generateApiKey();
    expect(key).toMatch(API_KEY_PATTERN);
    expect(key).toHaveLength(42);
    const random = key.slice(4, 36);
    const value = crc32(random);
    let digits = '';
    for (let n = value; ; n = Math.floor(n / 62)) {
      digits = BASE62[n % 62] + digits;
      if (n < 62) break;
    }
    expect(key.slice(36)).toBe(digits.padStart(6, '0'));
    expect(hash).toBe(createHash('sha256').update(key).digest('hex'));
    expect(prefix).toBe(random.slice(0, 8));
    expect(parseApiKey(key)).toEqual({ hash, prefix });
  });

  it('encodes base62 most significant digit first, pads the checksum to 6', () => {
    expect(toBase62(0)).toBe('0');
    expect(toBase62(61)).toBe('z');
    expect(toBase62(62)).toBe('10');
    expect(toBase62(0xffffffff)).toBe('4gfFC3');
    expect(checksumOf('')).toBe('000000');
  });

  it('refuses a wrong checksum, one changed character, a truncated, extended or foreign-alphabet key', () => {
    const { key } = generateApiKey();
    const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === 'a' ? 'b' : 'a') + text.slice(at + 1);
    expect(parseApiKey(flip(key, 41))).toBeNull();
    expect(parseApiKey(flip(key, 10))).toBeNull();
    expect(parseApiKey(key.slice(0, 41))).toBeNull();
    expect(parseApiKey(`${key}0`)).toBeNull();
    expect(parseApiKey(key.replace('idk_', 'idk-'))).toBeNull();
    expect(parseApiKey(`${key.slice(0, 20)}-${key.slice(21)}`)).toBeNull();
    expect(parseApiKey('')).toBeNull();
  });

  it('draws each character evenly and never repeats a key', () => {
    const counts = new Map<string, number>();
    const keys = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const { key } = generateApiKey();
      keys.add(key);
      for (const c of key.slice(4, 36)) counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    expect(keys.size).toBe(2000);
    expect(counts.size).toBe(62);
    // 64,000 draws over 62 characters: about 1,032 each; a skewed alphabet would stand out.
    for (const n of counts.values()) expect(n).toBeGreaterThan(850);
  });
});
