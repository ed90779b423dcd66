import fc from 'fast-check';

/**
 * Values an attacker sends where a field is expected: injection strings, encodings that break
 * naive parsers, wrong types, and shapes that try to exhaust a recursive walker.
 */
export const INJECTION_STRINGS = [
  "' OR '1'='1",
  "'; DROP TABLE users; --",
  '" OR 1=1 --',
  "1' UNION SELECT password_hash FROM users --",
  '%',
  '_',
  '\\',
  '%_\\%',
  '$1',
  "E'\\x00'",
  '\u0000',
  'a\u0000b',
  '../../../../etc/passwd',
  '..%2F..%2Fetc%2Fpasswd',
  '<script>alert(1)</script>',
  '{"$gt": ""}',
  '{"__proto__": {"admin": true}}',
  '${jndi:ldap://127.0.0.1/a}',
  '{{7*7}}',
  '\ud800',
  '\udfff\ud800',
  '\u202e\u0644\u0627',
  '😀👩‍👩‍👧‍👦',
  'ǅǈǋ',
  'İ',
  ' ',
  '\t\r\n',
  'null',
  'undefined',
  'NaN',
  '-1',
  '1e309',
  '0x10',
  '00000000-0000-0000-0000-000000000000',
  'FFFFFFFF-FFFF-4FFF-BFFF-FFFFFFFFFFFF',
  '{00000000-0000-4000-8000-000000000000}',
  'javascript:alert(1)',
  'ftp://example.com/a.png',
  'http://',
  'Mars/Olympus',
  'not a locale',
  'EN_us',
  'file:///etc/passwd',
  'http://127.0.0.1:1/',
  'Europe/../../etc',
  'en-US\u0000',
  'x'.repeat(5_000),
  'é'.repeat(3_000),
  '😀'.repeat(2_000),
];

/** JSON values that are never what a schema asks for, or only barely. */
const WRONG_TYPES: unknown[] = [null, true, false, 0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, '', [], {}, [null], { '': null }];

/** Object keys that poison prototypes or shadow read-only and secret fields. */
export const HOSTILE_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'user_id',
  'org_id',
  'workspace_id',
  'roles',
  'is_active',
  'is_verified',
  'password_hash',
  'auth_provider',
  'created_at',
  'added_by',
  'role',
  '$where',
  '',
  'a.b',
  'a\u0000',
];

/** `{"a": {"a": ...}}` and `[[[...]]]`, `depth` levels deep. */
export function nested(depth: number, kind: 'object' | 'array'): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = kind === 'object' ? { a: value } : [value];
  return value;
}

export const hostileString = (): fc.Arbitrary<string> =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...INJECTION_STRINGS), weight: 6 },
    { arbitrary: fc.string({ unit: 'binary', maxLength: 64 }), weight: 2 },
    { arbitrary: fc.string({ unit: 'grapheme', maxLength: 64 }), weight: 2 },
    { arbitrary: fc.integer({ min: 10_000, max: 120_000 }).map((n) => 'A'.repeat(n)), weight: 1 },
  );

/** Any JSON value, including deep nesting, odd keys and wrong types. */
export const hostileValue = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    { arbitrary: hostileString(), weight: 4 },
    { arbitrary: fc.constantFrom(...WRONG_TYPES), weight: 4 },
    { arbitrary: fc.integer({ min: 50, max: 1_000 }).chain((d) => fc.constantFrom(nested(d, 'object'), nested(d, 'array'))), weight: 1 },
    { arbitrary: fc.dictionary(fc.constantFrom(...HOSTILE_KEYS), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }), weight: 1 },
    { arbitrary: fc.jsonValue({ maxDepth: 4 }), weight: 2 },
  );

/** Request bodies that are not JSON objects at all, sent raw. */
export const RAW_BODIES = [
  '',
  'null',
  '[]',
  '"text"',
  '42',
  '{',
  '{"a":}',
  "{'single': 'quotes'}",
  '{"a":1,}',
  '\u0000',
  '{"a":"\\ud800"}',
  '{"a":1}{"b":2}',
  `{"a":${'['.repeat(5_000)}${']'.repeat(5_000)}}`,
  '{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"isAdmin":true}}}',
];

/** Path segments that are not ids. */
export const HOSTILE_SEGMENTS = [
  'not-a-uuid',
  '0',
  '-1',
  'null',
  '..',
  '%2e%2e',
  '%2F',
  '%00',
  '%ZZ',
  '00000000-0000-0000-0000-00000000000g',
  '00000000000040008000000000000000',
  'me',
  "'%20OR%201=1",
  '%F0%9F%98%80',
  'a'.repeat(3_000),
];
