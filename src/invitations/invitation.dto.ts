import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiSchema, getSchemaPath } from '@nestjs/swagger';
import { IsIn, IsInt, IsString, IsUUID, Max, MaxLength, Min, MinLength } from 'class-validator';
import { ORG_ROLES, WORKSPACE_ROLES, type OrgRole, type WorkspaceRole } from '../access/roles.js';
import { PageQueryDto } from '../common/pagination/page-query.dto.js';
import { OptionalBody } from '../common/validation/dto-rules.js';
import { Optional } from '../common/validation/decorators.js';
import { PathParams } from '../common/validation/route-params.js';
import { LowerCaseUuid } from '../common/validation/uuid.js';
import { MemberResponse, OrgMemberResponse } from '../members/member.dto.js';
import { UserFields } from '../users/dto/user-fields.js';
import { UserResponse } from '../users/dto/user-response.dto.js';
import type { InvitationState } from './invitations.repository.js';

export const INVITATION_STATES = ['pending', 'accepted', 'revoked', 'expired'] as const;
export const DEFAULT_EXPIRES_IN_DAYS = 7;

/** `expires_in_days`: 1–30, default 7. */
function ExpiresInDays(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 30, default: DEFAULT_EXPIRES_IN_DAYS, description: 'Days until the invitation expires' }),
    Optional(),
    IsInt(),
    Min(1),
    Max(30),
  );
}

@PathParams()
export class OrgInvitationParamsDto {
  /** Organization ID */
  @IsUUID('loose')
  org_id: string;

  /** Invitation ID */
  @IsUUID('loose')
  @LowerCaseUuid()
  invitation_id: string;
}

@PathParams()
export class WorkspaceInvitationParamsDto {
  /** Organization ID */
  @IsUUID('loose')
  org_id: string;

  /** Workspace ID */
  @IsUUID('loose')
  workspace_id: string;

  /** Invitation ID */
  @IsUUID('loose')
  @LowerCaseUuid()
  invitation_id: string;
}

export class InvitationListQueryDto extends PageQueryDto {
  /** Only invitations in this state (`expired` includes pending ones past their expiry). */
  @Optional()
  @IsIn(INVITATION_STATES)
  @ApiPropertyOptional({ enum: INVITATION_STATES })
  state?: InvitationState;
}

@ApiSchema({ name: 'CreateOrgInvitationRequest' })
export class CreateOrgInvitationDto {
  @UserFields.email('required') email: string;

  @IsIn(ORG_ROLES)
  @ApiProperty({ enum: ORG_ROLES, example: 'member', description: 'Inviting `owner` needs `org_members:manage_owners`' })
  role: OrgRole;

  @ExpiresInDays() expires_in_days?: number;
}

@ApiSchema({ name: 'CreateInvitationRequest' })
export class CreateWorkspaceInvitationDto {
  @UserFields.email('required') email: string;

  @IsIn(WORKSPACE_ROLES)
  @ApiProperty({ enum: WORKSPACE_ROLES, example: 'member', description: 'Inviting `owner` needs `members:manage_owners`' })
  role: WorkspaceRole;

  @ExpiresInDays() expires_in_days?: number;
}

@OptionalBody()
@ApiSchema({ name: 'ResendInvitationRequest' })
export class ResendInvitationDto {
  @ExpiresInDays() expires_in_days?: number;
}

@ApiSchema({ name: 'AcceptInvitationRequest' })
export class AcceptInvitationDto {
  /** The token from the invitation link. */
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  @ApiProperty({ example: 'q3Jv9nW0bGk1y2sS1cYx3rJ6b1Xl8cJ0o4nZbqH2p3E', writeOnly: true })
  token: string;

  /** Required without a bearer token: the new account's username. */
  @UserFields.username('optional') username?: string;

  /** Required without a bearer token: the new account's password. */
  @UserFields.password('optional') password?: string;

  @UserFields.fullName('optional') full_name?: string;
}

export class InvitationResponse {
  @ApiProperty({ format: 'uuid' }) invitation_id: string;
  @ApiProperty({ format: 'uuid' }) org_id: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'null for an organization invitation' }) workspace_id: string | null;
  @ApiProperty({ format: 'email', example: 'jane@example.com' }) email: string;
  @ApiProperty({ enum: WORKSPACE_ROLES, example: 'member' }) role: string;
  @ApiProperty({ enum: INVITATION_STATES }) state: InvitationState;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) inviter_user_id: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) accepted_user_id: string | null;
  @ApiProperty({ format: 'date-time' }) expires_at: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) accepted_at: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) revoked_at: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

/** The invitation with its token: only in the answer that created the token. */
export class InvitationWithTokenResponse extends InvitationResponse {
  @ApiProperty({ description: 'Shown only in this response; stored only as a hash', example: 'q3Jv9nW0bGk1y2sS1cYx3rJ6b1Xl8cJ0o4nZbqH2p3E' })
  token: string;

  @ApiProperty({ description: '`INVITE_ACCEPT_URL` with the token filled in', example: 'https://app.example.com/accept-invitation?token=q3Jv9nW0bGk1y2sS1cYx3rJ6b1Xl8cJ0o4nZbqH2p3E' })
  accept_url: string;
}

export class InvitationListResponse {
  @ApiProperty({ type: [InvitationResponse] }) invitations: InvitationResponse[];
  has_more: boolean;
  /** Pass as `cursor` for the next page; null on the last page. */
  @ApiProperty({ type: String, nullable: true }) next_cursor: string | null;
}

const MEMBERSHIP_SCHEMA = {
  oneOf: [{ $ref: getSchemaPath(OrgMemberResponse) }, { $ref: getSchemaPath(MemberResponse) }],
  description: 'The new org membership, or workspace membership for a workspace invitation',
};

@ApiExtraModels(OrgMemberResponse, MemberResponse)
export class AcceptedInvitationResponse {
  @ApiProperty({ type: InvitationResponse }) invitation: InvitationResponse;
  @ApiProperty(MEMBERSHIP_SCHEMA) membership: OrgMemberResponse | MemberResponse;
}

@ApiExtraModels(OrgMemberResponse, MemberResponse)
export class AcceptedAsNewUserResponse {
  @ApiProperty({ type: UserResponse }) user: UserResponse;
  @ApiProperty(MEMBERSHIP_SCHEMA) membership: OrgMemberResponse | MemberResponse;
  @ApiProperty({ description: 'JWT to send as `Authorization: Bearer …`' }) access_token: string;
  @ApiProperty({ description: 'Opaque; spent by its first use on /v1/auth/refresh' }) refresh_token: string;
  @ApiProperty({ enum: ['bearer'], example: 'bearer' }) token_type: 'bearer';
  @ApiProperty({ description: 'Lifetime of the access token in seconds', example: 900 }) expires_in: number;
}
