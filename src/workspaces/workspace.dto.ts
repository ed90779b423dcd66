import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';
import { PageResponse } from '../common/pagination/page-response.dto.js';
import { ResourceFields } from './resource-fields.js';
import { PathParams } from '../common/validation/route-params.js';

@PathParams()
export class WorkspaceParamsDto {
  /** Organization ID */
  @IsUUID('loose')
  org_id: string;

  /** Workspace ID */
  @IsUUID('loose')
  workspace_id: string;
}

/**
 * `description` sits on a base class so that it leads the documented schema, as it always has,
 * while `name` and `slug`, declared on the bodies, are still validated and reported first.
 */
class WorkspaceDescription {
  @ResourceFields.description() description?: string | null;
}

@ApiSchema({ name: 'CreateWorkspaceRequest' })
export class CreateWorkspaceDto extends WorkspaceDescription {
  @ResourceFields.name('required', 'Platform Engineering') name: string;
  @ResourceFields.slug('within the organization', 'platform', true) slug?: string;
}

/** Partial update: absent fields stay unchanged; `description: null` clears it. */
@ApiSchema({ name: 'UpdateWorkspaceRequest' })
export class UpdateWorkspaceDto extends WorkspaceDescription {
  @ResourceFields.name('optional', 'Platform and Tooling') name?: string;
  @ResourceFields.slug('within the organization', 'platform-tooling') slug?: string;
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
