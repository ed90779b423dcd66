import fc from 'fast-check';
import { HOSTILE_KEYS, hostileValue } from './hostile.js';

export type Schema = Record<string, any>;

/**
 * What to put where an id or another value with meaning is expected. Ids are symbolic (`org:own`)
 * and resolved when the request is sent, so one generated request stays meaningful after the
 * fuzzed world has been rebuilt, and a replay with the same seed sends the same requests.
 */
export interface Hints {
  /** A value for a field or parameter known by name (ids, emails, passwords), or undefined. */
  byName(name: string): fc.Arbitrary<unknown> | undefined;
  /** The hints for one operation (`POST /v1/invitations/accept`), where a name means something of its own. */
  forOperation?(operation: string): Hints;
}

/** Valid values most of the time, the edges of the schema often, hostile values sometimes. */
export function valueFor(schema: Schema, root: Schema, hints: Hints, name = ''): fc.Arbitrary<unknown> {
  const s = resolve(schema, root);
  const valid = validValue(s, root, hints, name, true);
  const edges = boundaryValues(s);
  return fc.oneof(
    { arbitrary: valid, weight: 6 },
    ...(edges.length ? [{ arbitrary: fc.constantFrom(...edges), weight: 2 }] : []),
    { arbitrary: hostileValue(), weight: 2 },
  );
}

/**
 * A value the schema accepts (as far as the schema can say; name hints fill the gaps). With
 * `mixed`, only the outer shape is valid: the members of an object or array are mixed values.
 */
export function validValue(schema: Schema, root: Schema, hints: Hints, name = '', mixed = false): fc.Arbitrary<unknown> {
  const s = resolve(schema, root);
  const hinted = hints.byName(name);
  const base = hinted ?? plainValid(s, root, hints, mixed);
  return s.nullable ? fc.oneof({ arbitrary: base, weight: 5 }, { arbitrary: fc.constant(null), weight: 1 }) : base;
}

function plainValid(s: Schema, root: Schema, hints: Hints, mixed: boolean): fc.Arbitrary<unknown> {
  const member = (schema: Schema, name = '') => (mixed ? valueFor(schema, root, hints, name) : validValue(schema, root, hints, name));
  if (s.enum) return fc.constantFrom(...s.enum);
  const variants = s.oneOf ?? s.anyOf;
  if (variants) return fc.oneof(...variants.map((v: Schema) => validValue(v, root, hints)));
  if (s.allOf) return validValue(Object.assign({}, ...s.allOf.map((p: Schema) => resolve(p, root))), root, hints);
  switch (s.type) {
    case 'string':
      return stringValue(s);
    case 'integer':
      return fc.integer({ min: s.minimum ?? -1_000, max: s.maximum ?? 1_000 });
    case 'number':
      return fc.oneof(fc.integer({ min: s.minimum ?? -1_000, max: s.maximum ?? 1_000 }), fc.double({ min: s.minimum ?? -1e6, max: s.maximum ?? 1e6, noNaN: true }));
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(member(s.items ?? {}), { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 5, 5) });
    case 'object':
      return objectValue(s, member, mixed);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function stringValue(s: Schema): fc.Arbitrary<string> {
  const min = s.minLength ?? 0;
  const max = Math.min(s.maxLength ?? 64, 256);
  switch (s.format) {
    case 'uuid':
      return fc.uuid();
    case 'email':
      return fc.emailAddress().filter((e) => e.length <= (s.maxLength ?? 320));
    case 'date-time':
      return fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
    case 'uri':
    case 'url':
      return fc.webUrl();
  }
  if (s.pattern) return fc.stringMatching(new RegExp(s.pattern)).filter((v) => v.length >= min && v.length <= (s.maxLength ?? Infinity));
  return fc.string({ minLength: min, maxLength: Math.max(min, max), unit: 'grapheme-ascii' });
}

/** Required properties always, optional ones sometimes; when mixed, now and then keys the schema never named. */
function objectValue(s: Schema, member: (schema: Schema, name: string) => fc.Arbitrary<unknown>, mixed: boolean): fc.Arbitrary<Record<string, unknown>> {
  const properties: Record<string, Schema> = s.properties ?? {};
  const model = Object.fromEntries(Object.entries(properties).map(([key, prop]) => [key, member(prop, key)]));
  const record = fc.record(model, { requiredKeys: (s.required ?? []).filter((k: string) => k in properties) });
  if (!mixed) return record;
  const extra = fc.dictionary(fc.constantFrom(...HOSTILE_KEYS), hostileValue(), { maxKeys: 3 });
  return fc
    .tuple(record, fc.option(extra, { freq: 4 }))
    .map(([known, unknown]) => (unknown ? mergeOwn(known, unknown) : known));
}

/** Copies keys as data (`__proto__` included), the way JSON.parse would see them on the server. */
function mergeOwn(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of [...Object.entries(b), ...Object.entries(a)]) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

/** Just inside and just outside every bound the schema states. */
export function boundaryValues(s: Schema): unknown[] {
  const values: unknown[] = [];
  if (s.type === 'string') {
    for (const n of [s.minLength, s.maxLength]) {
      if (typeof n !== 'number') continue;
      for (const len of [n - 1, n, n + 1]) if (len >= 0) values.push('b'.repeat(len));
    }
    values.push('', ' '.repeat(s.maxLength ?? 1));
  }
  if (s.type === 'number' || s.type === 'integer') {
    for (const n of [s.minimum, s.maximum]) if (typeof n === 'number') values.push(n - 1, n, n + 1, String(n + 1));
    values.push(0, -1, 2 ** 31, 2 ** 53 + 1, 0.5, '1.0', '1e2');
  }
  if (s.type === 'array') values.push([], Array.from({ length: (s.maxItems ?? 100) + 1 }, () => 'x'));
  if (s.type === 'object') values.push({}, []);
  if (s.enum) values.push(...s.enum.map((e: unknown) => (typeof e === 'string' ? e.toUpperCase() : e)), `${String(s.enum[0])} `);
  return values;
}

/** Follows `$ref` (local to the document) until a schema with content. */
export function resolve(schema: Schema, root: Schema): Schema {
  let s = schema;
  for (let i = 0; s?.$ref && i < 20; i++) {
    s = s.$ref
      .replace(/^#\//, '')
      .split('/')
      .reduce((node: any, key: string) => node?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], root);
  }
  return s ?? {};
}
