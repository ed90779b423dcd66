import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { MemberFieldsResponse } from './member-fields.dto.js';
import { IsIn, IsUUID } from 'class-validator';
import { ORG_ROLES, type OrgRole } from '../access/roles.js';
import { Optional } from '../common/validation/decorators.js';
import { LowerCaseUuid } from '../common/validation/uuid.js';
import { SearchPageQueryDto } from './member-list-query.dto.js';
import { PathParams } from '../common/validation/route-params.js';

@PathParams()
export class OrgMemberParamsDto {
  /** Organization ID */
  @IsUUID('loose')
  org_id: string;

  /** User ID of the member */
  @IsUUID('loose')
  @LowerCaseUuid()
  member_user_id: string;
}

export class OrgMemberListQueryDto extends SearchPageQueryDto {
  /** Only members with this role. */
  @Optional()
  @IsIn(ORG_ROLES)
  @ApiPropertyOptional({ enum: ORG_ROLES })
  role?: OrgRole;
}

@ApiSchema({ name: 'AddOrgMemberRequest' })
export class AddOrgMemberDto {
  /**
   * The user to add.
   * @example 9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d
   */
  @IsUUID('loose')
  @LowerCaseUuid()
  user_id: string;

  /** Defaults to `member`. */
  @Optional()
  @IsIn(ORG_ROLES)
  @ApiPropertyOptional({ enum: ORG_ROLES, default: 'member' })
  role?: OrgRole;
}

@ApiSchema({ name: 'UpdateOrgMemberRequest' })
export class UpdateOrgMemberDto {
  @IsIn(ORG_ROLES)
  @ApiProperty({ enum: ORG_ROLES, example: 'admin' })
  role: OrgRole;
}

export class OrgMemberResponse extends MemberFieldsResponse {
  @ApiProperty({ format: 'uuid' })
  user_id: string;

  @ApiProperty({ format: 'uuid' })
  org_id: string;

  @ApiProperty({ enum: ORG_ROLES })
  role: string;
}

export class OrgMemberListResponse {
  members: OrgMemberResponse[];

  /** Every member matching the filters, not just this page. */
  @ApiProperty({ type: 'integer' })
  total: number;

  /** Present when `role`, `search`, `limit` or `cursor` was given (or the plain list was cut short). */
  has_more?: boolean;

  @ApiPropertyOptional({ type: String, nullable: true })
  next_cursor?: string | null;
}
