import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsDefined, IsIn, IsString, MaxLength } from 'class-validator';
import { DEFAULT_PAGE_SIZE, PageCursor, PageLimit } from '../../common/pagination/page-query.dto.js';
import { Optional, QueryBool } from '../../common/validation/decorators.js';
import type { PydanticError } from '../../common/validation/pydantic-errors.js';
import { isPlatformAdmin, type User } from '../../database/entities/user.entity.js';
import { IsUuid, PLATFORM_ROLES, UserFields } from './user-fields.js';
import { PathParams, QueryParams } from '../../common/validation/route-params.js';

export type PlatformRole = (typeof PLATFORM_ROLES)[number];

/** Longer than any cursor this list issues; a longer one is refused as too long before it is decoded. */
const CURSOR_MAX_LENGTH = 2048;

/** The fields a create and an update body share, with the same rules and presence in both. */
abstract class UserProfileFields {
  @UserFields.fullName('nullable') full_name?: string | null;
  @UserFields.avatarUrl('nullable') avatar_url?: string | null;
  @UserFields.bio('nullable') bio?: string | null;
  @UserFields.timezone('nullable') timezone?: string | null;
  @UserFields.locale('nullable') locale?: string | null;
  @UserFields.preferences('optional') preferences?: Record<string, unknown>;
  @UserFields.settings('optional') settings?: Record<string, unknown>;
  @UserFields.roles('optional') roles?: string[];
}

/** `POST /v1/users` (platform admin). Unknown and read-only fields are ignored. */
export class CreateUserRequest extends UserProfileFields {
  @UserFields.email('required') email: string;
  @UserFields.username('required') username: string;
  @UserFields.password('required') password: string;
  @UserFields.flag('optional', 'Default true') is_active?: boolean;
  @UserFields.flag('optional', 'Default false') is_verified?: boolean;
}

/**
 * `PUT /v1/users/{user_id}`: partial (absent = unchanged, `null` clears a nullable field). The same
 * field rules as the create body, every field optional, plus what only an update can carry.
 * Read-only fields of the user object (`user_id`, `created_at`, …) are ignored, so a client may PUT
 * back the whole object it got.
 */
export class UpdateUserRequest extends UserProfileFields {
  @UserFields.email('optional') email?: string;
  @UserFields.username('optional') username?: string;
  @UserFields.password('optional') password?: string;
  @UserFields.flag('optional', 'Platform admin only') is_active?: boolean;
  @UserFields.flag('optional', 'Platform admin only') is_verified?: boolean;
  @UserFields.workspaceId('nullable', 'A workspace the user belongs to') default_workspace_id?: string | null;

  @ApiPropertyOptional({
    type: String,
    format: 'password',
    writeOnly: true,
    example: 'old-horse-battery',
    description: 'Required with `password` unless the caller is a platform admin',
  })
  @Optional()
  @IsString()
  @MaxLength(1024)
  current_password?: string;
}

/** `PATCH /v1/users/me/preferences`: an RFC 7396 merge patch (nested objects merge, `null` removes a key). */
export class PreferencesPatchRequest {
  @UserFields.preferences('required') preferences: Record<string, unknown>;
}

@PathParams()
export class UserIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsDefined()
  @IsUuid()
  user_id: string;
}

@QueryParams()
export class GetUserQuery {
  @ApiPropertyOptional({ format: 'uuid', description: 'Workspace context for the permission check' })
  @Optional()
  @IsUuid()
  workspace_id?: string;
}

@QueryParams()
export class ListUsersQuery {
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Workspace ID: list its members. Required, except for a platform admin, who without it lists every user',
  })
  @Optional()
  @IsUuid()
  workspace_id?: string;

  @ApiPropertyOptional({ description: 'Case-insensitive substring of the name, username or email', maxLength: 200 })
  @Optional()
  @IsString()
  @MaxLength(200)
  search?: string;

  @PageLimit({ description: 'Maximum number of items to return (1-200)', default: DEFAULT_PAGE_SIZE })
  limit?: number;

  @ApiPropertyOptional({ description: "Cursor for pagination (from previous response's next_cursor)", maxLength: CURSOR_MAX_LENGTH })
  @PageCursor(CURSOR_MAX_LENGTH)
  cursor?: string;

  @ApiPropertyOptional({ type: Boolean, description: 'Only active (`true`) or only disabled (`false`) accounts' })
  @Optional()
  @QueryBool()
  @IsBoolean()
  is_active?: boolean;

  @ApiPropertyOptional({ enum: PLATFORM_ROLES, description: 'Only platform admins (`admin`) or only other users (`user`)' })
  @Optional()
  @IsIn(PLATFORM_ROLES as unknown as string[])
  role?: PlatformRole;

  /** Only a platform admin may leave out the workspace (then every user is listed). */
  static callerErrors(raw: Record<string, unknown>, caller: unknown): PydanticError[] {
    if (raw.workspace_id !== undefined || (!!caller && isPlatformAdmin(caller as User))) return [];
    return [{ type: 'missing', loc: ['query', 'workspace_id'], msg: 'Field required', input: null }];
  }
}
