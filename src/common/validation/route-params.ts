import type { ExecutionContext } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { CallerRules } from './dto-rules.js';
import { RequestValidationError, type PydanticError } from './pydantic-errors.js';
import { validateDto } from './validate-dto.js';

type ParamsLocation = 'path' | 'query';

export const ROUTE_PARAMS_KEY = 'route_params_location';

/**
 * Marks the DTO of a route's path parameters (`@Param() params: X`), so that the permission guard
 * finds it among the handler's parameter types and validates it before deciding visibility.
 */
export function PathParams(): ClassDecorator {
  return (target) => Reflect.defineMetadata(ROUTE_PARAMS_KEY, 'path', target);
}

/** Marks the DTO of a route's query parameters (`@Query() query: X`), like `PathParams`. */
export function QueryParams(): ClassDecorator {
  return (target) => Reflect.defineMetadata(ROUTE_PARAMS_KEY, 'query', target);
}

/** The validated path and query DTOs of a request: what the handler will be given. */
export interface RouteParams {
  path?: Record<string, unknown>;
  query?: Record<string, unknown>;
}

interface ArgSpec {
  metatype: new () => object;
  location: ParamsLocation;
}

const specCache = new WeakMap<Function, ArgSpec[]>();

/**
 * Validates a handler's marked path and query DTOs ahead of the permission check, so that a
 * malformed id answers 422 before visibility (404) and permission (403) are decided, with every
 * problem of both at once. The instances replace the raw values on the request, where `@Param()`
 * and `@Query()` read them, so the validation pipe passes them on instead of validating again.
 */
export async function validateRouteParams(context: ExecutionContext, reflector: Reflector): Promise<RouteParams> {
  const specs = routeArgSpecs(context, reflector);
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
  keepOnRequest(req, validated);
  return validated;
}

function keepOnRequest(req: Request, validated: RouteParams): void {
  if (validated.path) req.params = validated.path as Request['params'];
  // Express parses `req.query` anew on every read, through a getter: an own property shadows it.
  if (validated.query) Object.defineProperty(req, 'query', { value: validated.query, writable: true, configurable: true, enumerable: true });
}

function routeArgSpecs(context: ExecutionContext, reflector: Reflector): ArgSpec[] {
  const handler = context.getHandler();
  const cached = specCache.get(handler);
  if (cached) return cached;
  const types: unknown[] = Reflect.getMetadata('design:paramtypes', context.getClass().prototype, handler.name) ?? [];
  const specs: ArgSpec[] = [];
  for (const metatype of types) {
    if (typeof metatype !== 'function') continue;
    const location = reflector.get<ParamsLocation | undefined>(ROUTE_PARAMS_KEY, metatype);
    if (location) specs.push({ metatype: metatype as new () => object, location });
  }
  specs.sort((a, b) => (a.location === b.location ? 0 : a.location === 'path' ? -1 : 1));
  specCache.set(handler, specs);
  return specs;
}
