import type { ExecutionContext } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import type { Request } from 'express';
import { RequestValidationError, type Location, type PydanticError } from './pydantic-errors.js';
import { isDto, validateDto } from './validate-dto.js';

interface ArgSpec {
  metatype: new () => object;
  location: Location;
}

const specCache = new WeakMap<Function, ArgSpec[]>();

/**
 * Validates a handler's `@Param()` and `@Query()` DTOs ahead of the permission check, so that a
 * malformed id answers 422 before visibility (404) and permission (403) are decided (CONTRACT §7).
 */
export async function validateRouteParams(context: ExecutionContext): Promise<void> {
  const specs = routeArgSpecs(context);
  if (specs.length === 0) return;
  const req = context.switchToHttp().getRequest<Request>();
  const detail: PydanticError[] = [];
  for (const { metatype, location } of specs) {
    const value = location === 'path' ? req.params : req.query;
    await validateDto(metatype, value, location).catch((error: unknown) => {
      if (!(error instanceof RequestValidationError)) throw error;
      detail.push(...error.detail);
    });
  }
  if (detail.length > 0) throw new RequestValidationError(detail);
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
