import 'reflect-metadata';
import { Get, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { IsDefined, IsInt, IsString, IsUUID } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { Optional, QueryInt } from '../../dist/common/validation/decorators.js';
import { OptionalBody } from '../../dist/common/validation/dto-rules.js';
import { RequestValidationError } from '../../dist/common/validation/pydantic-errors.js';
import { PathParams, QueryParams, validateRouteParams } from '../../dist/common/validation/route-params.js';
import { PydanticValidationPipe } from '../../dist/common/validation/validation.pipe.js';

const ID = '0b9c2f8e-5a8f-4e44-9d3c-2d7c1f4e8a10';

@PathParams()
class ItemPath {
  @IsUUID() item_id: string;
}

@QueryParams()
class ItemQuery {
  @QueryInt() @IsInt() limit: number;
}

class Credentials {
  @IsDefined() @IsString() login: string;
  @IsDefined() @IsString() password: string;
}

@OptionalBody()
class MaybeBody {
  @Optional() @IsString() note?: string;
}

class ItemController {
  @Get(':item_id')
  handle(_path: ItemPath, _query: ItemQuery, _body: Credentials): void {}
}

function contextFor(req: { params: object; query: object }): ExecutionContext {
  return {
    getHandler: () => ItemController.prototype.handle,
    getClass: () => ItemController,
    switchToHttp: () => ({ getRequest: () => req }),
  } as unknown as ExecutionContext;
}

async function problems(promise: Promise<unknown>): Promise<unknown[]> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(RequestValidationError);
  return (error as RequestValidationError).detail;
}

describe('path and query DTOs found by their markers', () => {
  const pipe = new PydanticValidationPipe();

  it('validates them once: the pipe passes on the instances the guard left on the request', async () => {
    const req = { params: { item_id: ID }, query: { limit: '5' } };
    const validated = await validateRouteParams(contextFor(req), new Reflector());
    expect(validated.path).toBeInstanceOf(ItemPath);
    expect(validated.query).toEqual(Object.assign(new ItemQuery(), { limit: 5 }));
    expect(await pipe.transform(req.params, { type: 'param', metatype: ItemPath })).toBe(validated.path);
    expect(await pipe.transform(req.query, { type: 'query', metatype: ItemQuery })).toBe(validated.query);
  });

  it('reports the problems of the path and the query at once, path first, and leaves the body to the pipe', async () => {
    const detail = await problems(validateRouteParams(contextFor({ params: { item_id: 'x' }, query: { limit: 'abc' } }), new Reflector()));
    expect(detail.map((d) => (d as { loc: unknown[] }).loc)).toEqual([['path', 'item_id'], ['query', 'limit']]);
  });
});

describe('bodies through the pipe', () => {
  const pipe = new PydanticValidationPipe();

  it('never echoes a password in a 422', async () => {
    const detail = await problems(pipe.transform({ login: 1, password: 2 }, { type: 'body', metatype: Credentials }));
    expect(detail.map((d) => (d as { input: unknown }).input)).toEqual([1, '**********']);
    const missing = await problems(pipe.transform({ password: 'secret' }, { type: 'body', metatype: Credentials }));
    expect(missing).toEqual([{ type: 'missing', loc: ['body', 'login'], msg: 'Field required', input: { password: '**********' } }]);
  });

  it('validates an absent body as {} only where the DTO allows leaving it out', async () => {
    expect(await pipe.transform(undefined, { type: 'body', metatype: MaybeBody })).toBeInstanceOf(MaybeBody);
    const detail = await problems(pipe.transform(undefined, { type: 'body', metatype: Credentials }));
    expect(detail).toEqual([{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }]);
  });
});
