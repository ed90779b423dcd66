import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsString, IsUUID, MaxLength, MinLength, ValidateBy } from 'class-validator';
import { ALL_PERMISSIONS, type Permission } from '../../access/permissions.js';
import { NotBlank, Nullable } from '../../common/validation/decorators.js';
import { PathParams } from '../../common/validation/route-params.js';

/** An ISO 8601 date-time with a zone, later than now. */
function IsFutureDateTime(): PropertyDecorator {
  return ValidateBy({
    name: 'isFutureDateTime',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/i.test(value) && Date.parse(value) > Date.now(),
      defaultMessage: () => 'expires_at must be an ISO 8601 date-time with a time zone, in the future',
    },
  });
}

@ApiSchema({ name: 'CreateApiKeyRequest' })
export class CreateApiKeyRequest {
  /** What the key is for, shown in lists. */
  @ApiProperty({ minLength: 1, maxLength: 100, example: 'CI deploys' })
  @IsString()
  @MaxLength(100)
  @MinLength(1)
  @NotBlank()
  name: string;

  /**
   * The permissions the key is limited to. A personal key without scopes may do all its owner may;
   * an organization key needs them, and may hold only what an org admin has (plus `authz:check`).
   */
  @ApiPropertyOptional({ type: [String], enum: ALL_PERMISSIONS, nullable: true, example: ['workspaces:read', 'members:read'] })
  @Nullable()
  @IsArray()
  @ArrayMaxSize(ALL_PERMISSIONS.length)
  @IsIn(ALL_PERMISSIONS, { each: true })
  scopes?: Permission[] | null;

  /** When the key stops working (absent or null: never). Must be in the future. */
  @ApiPropertyOptional({ type: String, format: 'date-time', nullable: true, example: '2030-01-01T00:00:00Z' })
  @Nullable()
  @IsFutureDateTime()
  expires_at?: string | null;
}

export class ApiKeyResponse {
  @ApiProperty({ format: 'uuid' })
  key_id: string;

  name: string;

  /** The first 8 random characters of the key, to tell keys apart. */
  @ApiProperty({ example: 'Ab3dE5gH' })
  prefix: string;

  @ApiProperty({ type: [String], enum: ALL_PERMISSIONS, nullable: true })
  scopes: Permission[] | null;

  /** The organization of an organization key; null for a personal key. */
  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  org_id: string | null;

  /** The owner of a personal key; null for an organization key. */
  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  user_id: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  created_by: string | null;

  @ApiProperty({ format: 'date-time' })
  created_at: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  expires_at: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  last_used_at: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  revoked_at: string | null;
}

export class CreatedApiKeyResponse extends ApiKeyResponse {
  /** The key itself: shown in this response only, never again. */
  @ApiProperty({ example: 'idk_Ab3dE5gHiJ6kLmN7oPqR8sTuV9wXyZ01abcd3f9Kq1' })
  key: string;
}

export class ApiKeyListResponse {
  /** Live (not revoked) keys, newest first; at most 100. */
  @ApiProperty({ type: [ApiKeyResponse] })
  api_keys: ApiKeyResponse[];
}

@PathParams()
export class PersonalKeyParams {
  /** API key ID */
  @IsUUID('loose')
  key_id: string;
}

@PathParams()
export class OrgKeysParams {
  /** Organization ID */
  @IsUUID('loose')
  org_id: string;
}

@PathParams()
export class OrgKeyParams {
  /** Organization ID */
  @IsUUID('loose')
  org_id: string;

  /** API key ID */
  @IsUUID('loose')
  key_id: string;
}
