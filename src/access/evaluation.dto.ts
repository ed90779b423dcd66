import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsDefined, IsIn, IsObject, IsUUID, ValidateNested } from 'class-validator';
import { Optional } from '../common/validation/decorators.js';
import { QueryParams } from '../common/validation/route-params.js';
import { ALL_PERMISSIONS, type Permission } from './permissions.js';
import { WORKSPACE_ROLES, type WorkspaceRole, type OrgRole } from './roles.js';

/** Evaluations one batch may hold. */
export const MAX_EVALUATIONS = 50;
export const SUBJECT_TYPES = ['user'] as const;
export const RESOURCE_TYPES = ['workspace', 'organization'] as const;

@ApiSchema({ name: 'AuthzenSubject' })
export class SubjectDto {
  @ApiProperty({ enum: SUBJECT_TYPES })
  @IsIn(SUBJECT_TYPES)
  type: (typeof SUBJECT_TYPES)[number];

  /** The user's ID */
  @ApiProperty({ format: 'uuid' })
  @IsUUID('loose')
  id: string;
}

@ApiSchema({ name: 'AuthzenAction' })
export class ActionDto {
  /** A permission, `resource:action` */
  @ApiProperty({ enum: ALL_PERMISSIONS })
  @IsIn(ALL_PERMISSIONS)
  name: Permission;
}

@ApiSchema({ name: 'AuthzenResource' })
export class ResourceDto {
  @ApiProperty({ enum: RESOURCE_TYPES })
  @IsIn(RESOURCE_TYPES)
  type: (typeof RESOURCE_TYPES)[number];

  /** The workspace's or organization's ID */
  @ApiProperty({ format: 'uuid' })
  @IsUUID('loose')
  id: string;
}

/** One access request: may `subject` do `action` on `resource`? */
@ApiSchema({ name: 'AuthzenEvaluationRequest' })
export class EvaluationRequest {
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => SubjectDto)
  subject: SubjectDto;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ActionDto)
  action: ActionDto;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ResourceDto)
  resource: ResourceDto;
}

/** One item of a batch: each field present here overrides the batch's default. */
@ApiSchema({ name: 'AuthzenEvaluationItem' })
export class EvaluationItemDto {
  @Optional()
  @IsObject()
  @ValidateNested()
  @Type(() => SubjectDto)
  subject?: SubjectDto;

  @Optional()
  @IsObject()
  @ValidateNested()
  @Type(() => ActionDto)
  action?: ActionDto;

  @Optional()
  @IsObject()
  @ValidateNested()
  @Type(() => ResourceDto)
  resource?: ResourceDto;
}

@ApiSchema({ name: 'AuthzenEvaluationsRequest' })
export class EvaluationsRequest extends EvaluationItemDto {
  /** At most 50, answered in the same order. */
  @ApiProperty({ type: [EvaluationItemDto], maxItems: MAX_EVALUATIONS })
  @IsDefined()
  @IsArray()
  @ArrayMaxSize(MAX_EVALUATIONS)
  @ValidateNested({ each: true })
  @Type(() => EvaluationItemDto)
  evaluations: EvaluationItemDto[];
}

export class DecisionResponse {
  decision: boolean;
}

@ApiSchema({ name: 'AuthzenEvaluationsResponse' })
export class DecisionsResponse {
  @ApiProperty({ type: [DecisionResponse] })
  evaluations: DecisionResponse[];
}

@QueryParams()
export class PermissionsQuery {
  /** The organization to report on (its workspaces' own roles are not counted without `workspace_id`). */
  @ApiPropertyOptional({ format: 'uuid' })
  @Optional()
  @IsUUID('loose')
  org_id?: string;

  /** The workspace to report on. */
  @ApiPropertyOptional({ format: 'uuid' })
  @Optional()
  @IsUUID('loose')
  workspace_id?: string;
}

export const PERMISSION_SOURCES = ['workspace', 'org', 'platform'] as const;

export class EffectivePermissionsResponse {
  @ApiProperty({ format: 'uuid' })
  user_id: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  org_id: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  workspace_id: string | null;

  /** The user's own membership role in the scope asked about (the workspace's when one is named). */
  @ApiProperty({ type: String, nullable: true, enum: [...WORKSPACE_ROLES, null] })
  role: WorkspaceRole | OrgRole | null;

  /** The role the user acts with there: own membership, inherited from the org, or platform admin (`owner`). */
  @ApiProperty({ type: String, nullable: true, enum: [...WORKSPACE_ROLES, null] })
  effective_role: WorkspaceRole | OrgRole | null;

  /** Where the effective role comes from; null when the user holds nothing there. */
  @ApiProperty({ type: String, nullable: true, enum: [...PERMISSION_SOURCES, null] })
  source: (typeof PERMISSION_SOURCES)[number] | null;

  @ApiProperty({ type: [String], enum: ALL_PERMISSIONS })
  permissions: Permission[];
}
