import 'reflect-metadata';
import { Body, Controller, Get, HttpCode, Module, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsEmail, IsIn, IsInt, IsObject, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';
import { DataSource } from 'typeorm';
import { Public } from '../../dist/auth/public.decorator.js';
import {
  AuthenticationError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  RateLimitedError,
  ServiceUnavailableError,
} from '../../dist/common/errors/app-error.js';
import { ApiErrors } from '../../dist/common/openapi.js';
import { IsTimeZone, Optional, QueryInt } from '../../dist/common/validation/decorators.js';
import { PathParams, QueryParams } from '../../dist/common/validation/route-params.js';

/**
 * Test-only routes that exercise the shared pipeline (guards, validation pipe, exception filter,
 * pool) without depending on any feature: mounted next to the service by `createTestApp`.
 * Documented like any route, since every test response is checked against the OpenAPI document.
 */

const ANY_OBJECT = { schema: { type: 'object', additionalProperties: true } };

@PathParams()
export class ProbePath {
  @IsUUID() item_id: string;
  @QueryInt() @IsInt() @Min(1) version: number;
}

@QueryParams()
export class ProbeQuery {
  @QueryInt() @IsInt() @Min(1) @Max(200) limit: number;
  @IsIn(['asc', 'desc']) order: string;
  @Optional() @IsUUID() workspace_id?: string;
}

export class ProbeTag {
  @IsString() @MinLength(2) label: string;
}

export class ProbeBody {
  @IsString() @MinLength(3) @MaxLength(50) @Matches(/^[a-zA-Z0-9_.-]+$/) username: string;
  @IsEmail() email: string;
  @Optional() @IsTimeZone() timezone?: string;
  @Optional() @IsBoolean() active?: boolean;
  @Optional() @IsObject() preferences?: Record<string, unknown>;
  @Optional() @IsArray() @ValidateNested({ each: true }) @Type(() => ProbeTag) tags?: ProbeTag[];
}

export class ProbeLogin {
  @IsString() login: string;
  @IsString() password: string;
}

@Public()
@Controller('probe')
export class ProbeController {
  constructor(private readonly dataSource: DataSource) {}

  @Post('items/:item_id/versions/:version')
  @HttpCode(200)
  @ApiOkResponse(ANY_OBJECT)
  @ApiErrors(413, 422)
  create(@Param() path: ProbePath, @Query() query: ProbeQuery, @Body() body: ProbeBody) {
    return { path, query, body };
  }

  @Get('items')
  @ApiOkResponse(ANY_OBJECT)
  @ApiErrors(422)
  list(@Query() query: ProbeQuery) {
    return query;
  }

  @Post('login')
  @HttpCode(200)
  @ApiErrors(401, 413, 422)
  login(@Body() _body: ProbeLogin) {
    throw new AuthenticationError('Invalid credentials');
  }

  @Get('errors/:status')
  @ApiErrors(401, 403, 404, 409, 429, 503)
  fail(@Param('status') status: string): never {
    switch (status) {
      case '401':
        throw new AuthenticationError();
      case '403':
        throw new ForbiddenError('members:add');
      case '404':
        throw new NotFoundError('user', 'a3bb189e-8bf9-3888-9912-ace4e6543002');
      case '409':
        throw new ConflictError('A user with this email already exists', { resource_type: 'user', field: 'email' });
      case '429':
        throw new RateLimitedError(42.2);
      case '503':
        throw new ServiceUnavailableError();
      default:
        // An unexpected failure carrying things a client must never see.
        throw new Error(`boom: SELECT password_hash FROM users -- secret ${status}`);
    }
  }

  /** A read through the pool, like any feature's. */
  @Get('db')
  @ApiOkResponse(ANY_OBJECT)
  @ApiErrors(503)
  async db() {
    const [row] = await this.dataSource.query('SELECT 1 AS one');
    return row;
  }
}

@Controller('probe-private')
export class PrivateProbeController {
  @Get()
  @ApiOkResponse(ANY_OBJECT)
  secret() {
    return { ok: true };
  }
}

@Module({ controllers: [ProbeController, PrivateProbeController] })
export class ProbeModule {}
