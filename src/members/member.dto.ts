import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { IsIn, IsString, IsUUID, MaxLength } from 'class-validator';
import { ORG_ROLES, WORKSPACE_ROLES, type OrgRole, type WorkspaceRole } from '../access/roles.js';
import { PageQueryDto } from '../common/pagination/page-query.dto.js';
import { Optional } from '../common/validation/decorators.js';
import { LowerCaseUuid } from '../common/validation/uuid.js';
import { PathParams } from '../common/validation/route-params.js';

// One file for both scopes. Classes stay flat (no shared base) where a base class would change the
// order validation reports problems in; the two scopes' classes differ where their schemas do.

@PathParams()
export class OrgScopeParamsDto {
  /** Organization ID */
  @IsUUID('loose')
  org_id: string;
}

@PathParams()
export class WorkspaceScopeParamsDto {
  /** Organization ID */
  @IsUUID('loose')
  org_id: string;

  /** Workspace ID */
  @IsUUID('loose')
  workspace_id: string;
}

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

/** `limit`, `cursor` and `search`, shared by the member lists. */
export class SearchPageQueryDto extends PageQueryDto {
  /** Case-insensitive substring of full name, username or email (`%`, `_`, `\` are literal). */
  @Optional()
  @IsString()
  @MaxLength(200)
  search?: string;
}

export class OrgMemberListQueryDto extends SearchPageQueryDto {
  /** Only members with this role. */
  @Optional()
  @IsIn(ORG_ROLES)
  @ApiPropertyOptional({ enum: ORG_ROLES })
  role?: OrgRole;
}

export class MemberListQueryDto extends SearchPageQueryDto {
  /** Only members with this role. */
  @Optional()
  @IsIn(WORKSPACE_ROLES)
  @ApiPropertyOptional({ enum: WORKSPACE_ROLES })
  role?: WorkspaceRole;
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

@ApiSchema({ name: 'UpdateOrgMemberRequest' })
export class UpdateOrgMemberDto {
  @IsIn(ORG_ROLES)
  @ApiProperty({ enum: ORG_ROLES, example: 'admin' })
  role: OrgRole;
}

@ApiSchema({ name: 'UpdateMemberRequest' })
export class UpdateMemberDto {
  @IsIn(WORKSPACE_ROLES)
  @ApiProperty({ enum: WORKSPACE_ROLES, example: 'admin' })
  role: WorkspaceRole;
}

/** What org and workspace member objects share besides their ids and role. */
export class MemberFieldsResponse {
  username: string;

  email: string;

  @ApiProperty({ type: String, nullable: true })
  full_name: string | null;

  @ApiProperty({ type: String, nullable: true })
  avatar_url: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  added_by: string | null;

  @ApiProperty({ format: 'date-time' })
  created_at: string;

  @ApiProperty({ format: 'date-time' })
  updated_at: string;
}

export class OrgMemberResponse extends MemberFieldsResponse {
  @ApiProperty({ format: 'uuid' })
  user_id: string;

  @ApiProperty({ format: 'uuid' })
  org_id: string;

  @ApiProperty({ enum: ORG_ROLES })
  role: string;
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

/** What both member lists carry besides their members. */
class MemberListFieldsResponse {
  /** Every member matching the filters, not just this page. */
  @ApiProperty({ type: 'integer' })
  total: number;

  /** Present when `role`, `search`, `limit` or `cursor` was given (or the plain list was cut short). */
  has_more?: boolean;

  @ApiPropertyOptional({ type: String, nullable: true })
  next_cursor?: string | null;
}

export class OrgMemberListResponse extends MemberListFieldsResponse {
  members: OrgMemberResponse[];
}

export class MemberListResponse extends MemberListFieldsResponse {
  members: MemberResponse[];
}
