import { getMetadataStorage, validate, type ValidationError } from 'class-validator';
import { nonFiniteErrors, nulCharacterErrors, toInstance } from './plain-input.js';
import { isOptionalBody, type CrossFieldRules } from './dto-rules.js';
import { mapConstraint, RequestValidationError, type Location, type PydanticError } from './pydantic-errors.js';
import { maskSecrets } from './secret-fields.js';

type Class = new (...args: any[]) => object;

/** Whether a class declares any class-validator constraint, i.e. is a DTO to validate. */
export function isDto(metatype: unknown): metatype is Class {
  if (typeof metatype !== 'function') return false;
  return getMetadataStorage().getTargetValidationMetadatas(metatype, '', true, false).length > 0;
}

/**
 * Turns plain input into an instance of `metatype`, dropping unknown fields, and reports every
 * problem at once in the pydantic shape; a body's problems never echo a secret.
 */
export async function validateDto<T extends object>(metatype: new () => T, value: unknown, location: Location): Promise<T> {
  if (location !== 'body') return validateInput(metatype, value, location);
  try {
    return await validateInput(metatype, value == null && isOptionalBody(metatype) ? {} : value, location);
  } catch (error) {
    if (error instanceof RequestValidationError) throw new RequestValidationError(maskSecrets(error.detail));
    throw error;
  }
}

async function validateInput<T extends object>(metatype: new () => T, value: unknown, location: Location): Promise<T> {
  if (location === 'body') assertBodyObject(value);
  const raw = location === 'query' ? lastOfRepeated(metatype, value) : ((value ?? {}) as Record<string, unknown>);
  const instance = toInstance(metatype, raw);
  const errors = await validate(instance, { whitelist: true, forbidUnknownValues: false, validationError: { target: true, value: true } });
  const failed = new Set(errors.map((e) => e.property));
  const detail = [...flatten(errors, [location], raw, location), ...nulCharacterErrors(instance, location, failed), ...nonFiniteErrors(instance, location, failed)];
  if (detail.length === 0) detail.push(...((metatype as Partial<CrossFieldRules>).crossFieldErrors?.(raw) ?? []));
  if (detail.length > 0) throw new RequestValidationError(detail);
  return instance;
}

/**
 * A query string repeats a key for a list (`?id=a&id=b`) and gives a single value as text. As in
 * FastAPI, a parameter declared as a list is always a list, and any other takes the last value.
 */
function lastOfRepeated(metatype: Class, query: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(query as Record<string, unknown> | undefined) };
  for (const [key, value] of Object.entries(out)) {
    const isList = Reflect.getMetadata('design:type', metatype.prototype, key) === Array;
    if (isList && !Array.isArray(value)) out[key] = [value];
    else if (!isList && Array.isArray(value)) out[key] = value[value.length - 1];
  }
  return out;
}

/** FastAPI's answers to a body that is absent, or is JSON but not an object. */
function assertBodyObject(value: unknown): void {
  if (value === undefined) {
    throw new RequestValidationError([{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }]);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new RequestValidationError([
      { type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', input: value },
    ]);
  }
}

/**
 * `parent` is the input as the client sent it (before any `@Transform`), so `input` echoes the
 * original value: the text "500" of a query string, not the number it was turned into.
 */
function flatten(errors: ValidationError[], prefix: (string | number)[], parent: unknown, location: Location): PydanticError[] {
  const out: PydanticError[] = [];
  for (const error of errors) {
    const key = Array.isArray(parent) && /^\d+$/.test(error.property) ? Number(error.property) : error.property;
    const loc = [...prefix, key];
    const sent = isRecord(parent) && Object.hasOwn(parent, error.property) ? parent[error.property] : error.value;
    if (error.constraints) out.push(toPydantic(error, loc, parent, sent, location));
    if (error.children?.length) out.push(...flatten(error.children, loc, sent, location));
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function toPydantic(error: ValidationError, loc: (string | number)[], parent: unknown, sent: unknown, location: Location): PydanticError {
  if (sent === undefined && error.value === undefined) {
    // pydantic: a missing body field echoes the enclosing object, a missing query/path value null.
    return { type: 'missing', loc, msg: 'Field required', input: location === 'body' ? parent : null };
  }
  const failed = Object.entries(error.constraints ?? {}).map(([name, message]) => ({
    name,
    message,
    args: constraintArgs(error.target?.constructor, error.property, name),
  }));
  const mapped = mapConstraint(failed, error.value);
  return { type: mapped.type, loc, msg: mapped.msg, input: sent, ...(mapped.ctx ? { ctx: mapped.ctx } : {}) };
}

const argsCache = new Map<Function, Map<string, unknown[]>>();

function constraintArgs(target: Function | undefined, property: string, name: string): unknown[] {
  if (!target) return [];
  let byKey = argsCache.get(target);
  if (!byKey) {
    byKey = new Map();
    for (const meta of getMetadataStorage().getTargetValidationMetadatas(target, '', true, false)) {
      byKey.set(`${meta.propertyName}\u0000${meta.name ?? meta.type}`, meta.constraints ?? []);
    }
    argsCache.set(target, byKey);
  }
  return byKey.get(`${property}\u0000${name}`) ?? [];
}
