import { IsString, MaxLength } from 'class-validator';
import { PageQueryDto } from '../common/pagination/page-query.dto.js';
import { Optional } from '../common/validation/decorators.js';

/** `limit`, `cursor` and `search`, shared by the member lists. */
export class SearchPageQueryDto extends PageQueryDto {
  /** Case-insensitive substring of full name, username or email (`%`, `_`, `\` are literal). */
  @Optional()
  @IsString()
  @MaxLength(200)
  search?: string;
}
