import type { PydanticError } from './pydantic-errors.js';

const OPTIONAL_BODY_KEY = 'optional_body';

/** A body DTO whose request may carry no body (or `null`): it is then validated as `{}`. */
export function OptionalBody(): ClassDecorator {
  return (target) => Reflect.defineMetadata(OPTIONAL_BODY_KEY, true, target);
}

export function isOptionalBody(metatype: Function): boolean {
  return Reflect.getMetadata(OPTIONAL_BODY_KEY, metatype) === true;
}

/**
 * A DTO whose fields are valid one by one but must also agree with each other (e.g. one of three
 * fields required): its static `crossFieldErrors` is asked only once every field has passed, so
 * such a problem is reported alone, after the others are fixed.
 */
export interface CrossFieldRules {
  crossFieldErrors(raw: Record<string, unknown>): PydanticError[];
}

/**
 * A `@Query()` or `@Param()` DTO whose rules depend on who calls, e.g. a parameter that only some
 * callers may leave out: its static `callerErrors` adds problems, reported with the others.
 */
export interface CallerRules {
  callerErrors(raw: Record<string, unknown>, caller: unknown): PydanticError[];
}
