import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { IsInt, IsString, Max, MaxLength, Min } from 'class-validator';
import { Optional, QueryInt } from '../validation/decorators.js';
import { QueryParams } from '../validation/route-params.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/**
 * A list's `limit` query parameter: an integer from 1 to 200, absent for the default page size.
 * `doc` adds to its OpenAPI description (a list may word it its own way).
 */
export function PageLimit(doc: ApiPropertyOptions = {}): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, ...doc } as ApiPropertyOptions),
    Optional(),
    QueryInt(),
    IsInt(),
    Min(1),
    Max(MAX_PAGE_SIZE),
  );
}

/** A list's `cursor` query parameter: the text of a previous page's `next_cursor`, at most `maxLength` characters if given. */
export function PageCursor(maxLength?: number): PropertyDecorator {
  return applyDecorators(Optional(), IsString(), ...(maxLength === undefined ? [] : [MaxLength(maxLength)]));
}

/**
 * `limit` and `cursor`, shared by every keyset-paginated list. A list with parameters of its own
 * before these (their order is the one clients see) declares them with the same two decorators.
 */
@QueryParams()
export class PageQueryDto {
  /** Page size, 1–200 (default 50). */
  @PageLimit()
  limit?: number;

  /** Opaque cursor from the previous page's `next_cursor`. */
  @PageCursor()
  cursor?: string;
}
