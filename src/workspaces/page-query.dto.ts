import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsString, Max, MaxLength, Min } from 'class-validator';
import { Optional, QueryInt } from '../common/validation/decorators.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/** `limit` and `cursor`, shared by every keyset-paginated list. */
export class PageQueryDto {
  /** Page size, 1–200 (default 50). */
  @ApiPropertyOptional({ type: 'integer' })
  @Optional()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;

  /** Opaque cursor from the previous page's `next_cursor`. */
  @Optional()
  @IsString()
  cursor?: string;
}

/** `limit`, `cursor` and `search`, shared by the member lists. */
export class SearchPageQueryDto extends PageQueryDto {
  /** Case-insensitive substring of full name, username or email (`%`, `_`, `\` are literal). */
  @Optional()
  @IsString()
  @MaxLength(200)
  search?: string;
}
