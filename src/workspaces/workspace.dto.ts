import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';
import { Nullable, Optional } from '../common/validation/decorators.js';
import { SLUG_PATTERN } from './slug.js';
import { PageResponse } from '../common/pagination/page-response.dto.js';

export class WorkspaceParamsDto {
  /** Organization ID */
  @IsUUID('loose')
  org_id: string;

  /** Workspace ID */
  @IsUUID('loose')
  workspace_id: string;
}

@ApiSchema({ name: 'CreateWorkspaceRequest' })
export class CreateWorkspaceDto {
  /**
   * Display name, 1–100 characters.
   * @example "Platform Engineering"
   */
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name: string;

  /**
   * `^[a-z0-9][a-z0-9-]{1,62}$`, unique within the organization; derived from the name when omitted.
   * @example platform
   */
  @Optional()
  @IsString()
  @Matches(SLUG_PATTERN)
  slug?: string;

  @Nullable()
  @IsString()
  @MaxLength(1000)
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 1000, example: 'Build and deploy tooling shared by every team' })
  description?: string | null;
}

/** Partial update: absent fields stay unchanged; `description: null` clears it. */
@ApiSchema({ name: 'UpdateWorkspaceRequest' })
export class UpdateWorkspaceDto {
  /**
   * Display name, 1–100 characters.
   * @example "Platform and Tooling"
   */
  @Optional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name?: string;

  /**
   * `^[a-z0-9][a-z0-9-]{1,62}$`, unique within the organization.
   * @example platform-tooling
   */
  @Optional()
  @IsString()
  @Matches(SLUG_PATTERN)
  slug?: string;

  @Nullable()
  @IsString()
  @MaxLength(1000)
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 1000, example: 'Build and deploy tooling shared by every team' })
  description?: string | null;
}

export class WorkspaceResponse {
  @ApiProperty({ format: 'uuid' })
  workspace_id: string;

  @ApiProperty({ format: 'uuid' })
  org_id: string;

  name: string;

  slug: string;

  @ApiProperty({ type: String, nullable: true })
  description: string | null;

  @ApiProperty({ format: 'date-time' })
  created_at: string;

  @ApiProperty({ format: 'date-time' })
  updated_at: string;
}

export class WorkspaceListResponse extends PageResponse {
  workspaces: WorkspaceResponse[];
}
