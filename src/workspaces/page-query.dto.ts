import { IsInt, IsString, Max, Min } from 'class-validator';
import { Optional, QueryInt } from '../common/validation/decorators.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/** `limit` and `cursor`, shared by every keyset-paginated list. */
export class PageQueryDto {
  /** Page size, 1–200 (default 50). */
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
