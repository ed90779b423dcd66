import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';
import { Optional } from '../common/validation/decorators.js';
import { SLUG_PATTERN } from './slug.js';
import { PageResponse } from '../common/pagination/page-response.dto.js';

export class OrgParamsDto {
  /** Organization ID */
  @IsUUID('loose')
  org_id: string;
}

@ApiSchema({ name: 'CreateOrganizationRequest' })
export class CreateOrganizationDto {
  /**
   * Display name, 1–100 characters.
   * @example "Acme Corporation"
   */
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name: string;

  /**
   * `^[a-z0-9][a-z0-9-]{1,62}$`, unique on the platform; derived from the name when omitted.
   * @example acme
   */
  @Optional()
  @IsString()
  @Matches(SLUG_PATTERN)
  slug?: string;
}

/** Partial update: absent fields stay unchanged. */
@ApiSchema({ name: 'UpdateOrganizationRequest' })
export class UpdateOrganizationDto {
  /**
   * Display name, 1–100 characters.
   * @example "Acme Industries"
   */
  @Optional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  name?: string;

  /**
   * `^[a-z0-9][a-z0-9-]{1,62}$`, unique on the platform.
   * @example acme-industries
   */
  @Optional()
  @IsString()
  @Matches(SLUG_PATTERN)
  slug?: string;
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
