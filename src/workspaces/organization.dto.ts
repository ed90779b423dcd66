import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';
import { PageResponse } from '../common/pagination/page-response.dto.js';
import { ResourceFields } from './resource-fields.js';
import { PathParams } from '../common/validation/route-params.js';

@PathParams()
export class OrgParamsDto {
  /** Organization ID */
  @IsUUID('loose')
  org_id: string;
}

@ApiSchema({ name: 'CreateOrganizationRequest' })
export class CreateOrganizationDto {
  @ResourceFields.name('required', 'Acme Corporation') name: string;
  @ResourceFields.slug('on the platform', 'acme', true) slug?: string;
}

/** Partial update: absent fields stay unchanged. */
@ApiSchema({ name: 'UpdateOrganizationRequest' })
export class UpdateOrganizationDto {
  @ResourceFields.name('optional', 'Acme Industries') name?: string;
  @ResourceFields.slug('on the platform', 'acme-industries') slug?: string;
}

export class OrganizationResponse {
  @ApiProperty({ format: 'uuid' })
  org_id: string;

  name: string;

  slug: string;

  @ApiProperty({ format: 'date-time' })
  created_at: string;

  @ApiProperty({ format: 'date-time' })
  updated_at: string;
}

export class OrganizationListResponse extends PageResponse {
  orgs: OrganizationResponse[];
}
