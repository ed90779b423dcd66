import { plainToInstance } from 'class-transformer';
import { getMetadataStorage } from 'class-validator';
import type { Location, PydanticError } from './pydantic-errors.js';

type Class<T> = new () => T;

const fieldsCache = new WeakMap<Function, string[]>();

/** The fields a DTO declares (any class-validator decorator, inherited ones included). */
function declaredFields(metatype: Function): string[] {
  let fields = fieldsCache.get(metatype);
  if (!fields) {
    fields = [...new Set(getMetadataStorage().getTargetValidationMetadatas(metatype, '', true, false).map((m) => m.propertyName))];
    fieldsCache.set(metatype, fields);
  }
  return fields;
}

const isObjectLike = (value: unknown): value is object => typeof value === 'object' && value !== null;

const nestedCache = new WeakMap<Function, Map<string, Class<object> | null>>();

/**
 * The class `@Type()` gives a field, found by letting class-transformer convert an empty object
 * (which cannot trip it) and looking at what it made; null for a free-form JSON field.
 */
function nestedType(metatype: Class<object>, field: string): Class<object> | null {
  let byField = nestedCache.get(metatype);
  if (!byField) nestedCache.set(metatype, (byField = new Map()));
  if (!byField.has(field)) {
    const made = (plainToInstance(metatype, { [field]: [{}] }) as Record<string, unknown>)[field];
    const sample = Array.isArray(made) ? made[0] : made;
    const type = isObjectLike(sample) && sample.constructor !== Object ? (sample.constructor as Class<object>) : null;
    byField.set(field, type);
  }
  return byField.get(field)!;
}

/**
 * An instance of the DTO holding only the fields it declares. Only scalar values go through
 * class-transformer (for `@Transform`): it walks nested plain objects and takes an own
 * `constructor` key for a class, so `{"x": {"constructor": {}}}` would crash it. Nested DTOs
 * (`@Type`) are built the same way, field by field; free-form objects are kept as they came,
 * but for lone surrogates (see `wellFormed`).
 */
export function toInstance<T extends object>(metatype: Class<T>, raw: object): T {
  const scalars: Record<string, unknown> = {};
  const objects: [string, object][] = [];
  for (const field of declaredFields(metatype)) {
    if (!Object.hasOwn(raw, field)) continue;
    const value = wellFormed((raw as Record<string, unknown>)[field]);
    if (isObjectLike(value)) objects.push([field, value]);
    else scalars[field] = value;
  }
  const instance = plainToInstance(metatype, scalars) as Record<string, unknown>;
  for (const [field, value] of objects) {
    const type = nestedType(metatype, field);
    const build = (item: unknown) => (type && isObjectLike(item) && !Array.isArray(item) ? toInstance(type, item) : item);
    instance[field] = Array.isArray(value) ? value.map(build) : build(value);
  }
  return instance as T;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * JSON may carry lone surrogates (`"\ud800"`), which no UTF-8 text can hold: validators that
 * encode the string throw on them, and PostgreSQL refuses them in jsonb. They become U+FFFD, as
 * the driver would store them in text anyway. Keys too; `__proto__` stays a plain key.
 */
function wellFormed(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(LONE_SURROGATE, '\ufffd');
  if (!isObjectLike(value) || depth > 512) return value;
  if (Array.isArray(value)) return value.map((item) => wellFormed(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    Object.defineProperty(out, wellFormed(key) as string, { value: wellFormed(item, depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

const NUL = '\u0000';
const NUL_MESSAGE = 'NUL characters are not allowed';

/**
 * PostgreSQL stores no NUL character in text or jsonb (it fails the whole statement), so a value
 * holding one is refused up front: 422 `value_error` at the field, for every declared field the
 * other checks passed (`skip`), strings and nested keys and values alike.
 */
export function nulCharacterErrors(instance: object, location: Location, skip: Set<string>): PydanticError[] {
  const errors: PydanticError[] = [];
  for (const field of declaredFields(instance.constructor)) {
    const value = (instance as Record<string, unknown>)[field];
    if (!skip.has(field) && value !== undefined && holdsNul(value)) {
      errors.push({ type: 'value_error', loc: [location, field], msg: `Value error, ${NUL_MESSAGE}`, input: value, ctx: { error: NUL_MESSAGE } });
    }
  }
  return errors;
}

function holdsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes(NUL);
  if (!isObjectLike(value) || depth > 512) return false;
  return Object.entries(value).some(([key, v]) => key.includes(NUL) || holdsNul(v, depth + 1));
}

const FINITE_MESSAGE = 'Input should be a finite number';

/**
 * A JSON number beyond a double's range (`1e309`) parses to ±Infinity, which JSON cannot write
 * back: stored it would become `null`, and in a merge patch `null` deletes the key. Such a number
 * is refused where it stands, as pydantic refuses a non-finite number where a finite one is due
 * (`finite_number`). JSON has no text for it, so `input` is JavaScript's (`"Infinity"`).
 */
export function nonFiniteErrors(instance: object, location: Location, skip: Set<string>): PydanticError[] {
  const errors: PydanticError[] = [];
  for (const field of declaredFields(instance.constructor)) {
    const value = (instance as Record<string, unknown>)[field];
    if (!skip.has(field) && value !== undefined) collectNonFinite(value, [location, field], errors, 0);
  }
  return errors;
}

function collectNonFinite(value: unknown, loc: (string | number)[], out: PydanticError[], depth: number): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) out.push({ type: 'finite_number', loc, msg: FINITE_MESSAGE, input: String(value) });
    return;
  }
  if (!isObjectLike(value) || depth > 512) return;
  const list = Array.isArray(value);
  for (const [key, item] of Object.entries(value)) collectNonFinite(item, [...loc, list ? Number(key) : key], out, depth + 1);
}
