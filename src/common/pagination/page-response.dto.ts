import { ApiProperty } from '@nestjs/swagger';

/** The paging fields every keyset-paginated list answers with. */
export class PageResponse {
  /** Every item matching the query, not only this page. */
  @ApiProperty({ type: 'integer' })
  total: number;

  has_more: boolean;

  /** Pass as `cursor` for the next page; null on the last page. */
  @ApiProperty({ type: String, nullable: true })
  next_cursor: string | null;
}
