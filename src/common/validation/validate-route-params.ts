import type { ExecutionContext } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import type { Request } from 'express';
import { RequestValidationError, type PydanticError } from './pydantic-errors.js';
import { isDto, validateDto } from './validate-dto.js';

interface ArgSpec {
  metatype: new () => object;
  location: 'path' | 'query';
}

const specCache = new WeakMap<Function, ArgSpec[]>();

/**
 * A `@Query()` or `@Param()` DTO whose rules depend on who calls, e.g. a parameter that only some
 * callers may leave out: its static `callerErrors` adds problems, reported with the others.
 */
export interface CallerRules {
  callerErrors(raw: Record<string, unknown>, caller: unknown): PydanticError[];
}

/** The validated `@Param()` and `@Query()` DTOs of a request: what the handler will be given. */
export interface RouteParams {
  path?: Record<string, unknown>;
  query?: Record<string, unknown>;
}

/**
 * Validates a handler's `@Param()` and `@Query()` DTOs ahead of the permission check, so that a
 * malformed id answers 422 before visibility (404) and permission (403) are decided.
 * Returns the values as the handler will see them (a repeated query key: its last value).
 */
export async function validateRouteParams(context: ExecutionContext): Promise<RouteParams> {
  const specs = routeArgSpecs(context);
  const validated: RouteParams = {};
  if (specs.length === 0) return validated;
  const req = context.switchToHttp().getRequest<Request>();
  const detail: PydanticError[] = [];
  for (const { metatype, location } of specs) {
    const value = location === 'path' ? req.params : req.query;
    detail.push(...((metatype as Partial<CallerRules>).callerErrors?.(value ?? {}, req.user) ?? []));
    await validateDto(metatype, value, location).then(
      (instance) => (validated[location] = instance as Record<string, unknown>),
      (error: unknown) => {
        if (!(error instanceof RequestValidationError)) throw error;
        detail.push(...error.detail);
      },
    );
  }
  if (detail.length > 0) throw new RequestValidationError(detail);
  return validated;
}

function routeArgSpecs(context: ExecutionContext): ArgSpec[] {
  const handler = context.getHandler();
  const cached = specCache.get(handler);
  if (cached) return cached;
  const args: Record<string, { index: number; data?: unknown }> =
    Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), handler.name) ?? {};
  const types: unknown[] = Reflect.getMetadata('design:paramtypes', context.getClass().prototype, handler.name) ?? [];
  const specs: ArgSpec[] = [];
  for (const [key, arg] of Object.entries(args)) {
    const type = Number(key.split(':')[0]);
    const location = type === RouteParamtypes.PARAM ? 'path' : type === RouteParamtypes.QUERY ? 'query' : undefined;
    const metatype = types[arg.index];
    if (location && arg.data === undefined && isDto(metatype)) specs.push({ metatype, location });
  }
  specs.sort((a, b) => (a.location === b.location ? 0 : a.location === 'path' ? -1 : 1));
  specCache.set(handler, specs);
  return specs;
}
