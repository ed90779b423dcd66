import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { MemberFieldsResponse } from '../workspaces/member-fields.dto.js';
import { IsIn, IsUUID } from 'class-validator';
import { WORKSPACE_ROLES, type WorkspaceRole } from '../access/roles.js';
import { Optional } from '../common/validation/decorators.js';
import { LowerCaseUuid } from '../common/validation/uuid.js';
import { SearchPageQueryDto } from '../workspaces/member-list-query.dto.js';
import { PathParams } from '../common/validation/route-params.js';

@PathParams()
export class MemberParamsDto {
  /** Organization ID */
  @IsUUID('loose')
  org_id: string;

  /** Workspace ID */
  @IsUUID('loose')
  workspace_id: string;

  /** User ID of the member */
  @IsUUID('loose')
  @LowerCaseUuid()
  member_user_id: string;
}

export class MemberListQueryDto extends SearchPageQueryDto {
  /** Only members with this role. */
  @Optional()
  @IsIn(WORKSPACE_ROLES)
  @ApiPropertyOptional({ enum: WORKSPACE_ROLES })
  role?: WorkspaceRole;
}

@ApiSchema({ name: 'AddMemberRequest' })
export class AddMemberDto {
  /**
   * The user to add.
   * @example 9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d
   */
  @IsUUID('loose')
  @LowerCaseUuid()
  user_id: string;

  /** Defaults to `member`. */
  @Optional()
  @IsIn(WORKSPACE_ROLES)
  @ApiPropertyOptional({ enum: WORKSPACE_ROLES, default: 'member' })
  role?: WorkspaceRole;
}

@ApiSchema({ name: 'UpdateMemberRequest' })
export class UpdateMemberDto {
  @IsIn(WORKSPACE_ROLES)
  @ApiProperty({ enum: WORKSPACE_ROLES, example: 'admin' })
  role: WorkspaceRole;
}

export class MemberResponse extends MemberFieldsResponse {
  @ApiProperty({ format: 'uuid' })
  workspace_id: string;

  @ApiProperty({ format: 'uuid' })
  user_id: string;

  @ApiProperty({ format: 'uuid' })
  org_id: string;

  @ApiProperty({ enum: WORKSPACE_ROLES })
  role: string;
}

export class MemberListResponse {
  members: MemberResponse[];

  /** Every member matching the filters, not just this page. */
  @ApiProperty({ type: 'integer' })
  total: number;

  /** Present when `role`, `search`, `limit` or `cursor` was given (or the plain list was cut short). */
  has_more?: boolean;

  @ApiPropertyOptional({ type: String, nullable: true })
  next_cursor?: string | null;
}
