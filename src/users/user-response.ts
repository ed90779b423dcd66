import type { UserResponse } from './dto/user-response.dto.js';
import { versionETag, withETag } from '../common/http/conditional/etag.js';
import { USER_COLUMNS, type User } from '../database/entities/user.entity.js';

type Row = Pick<User, (typeof USER_COLUMNS)[number]>;

/**
 * The user object of every response: exactly the contract's fields, in its order, whatever else the
 * row carries (a password hash never does, but this is the last gate). Dates become ISO-8601 UTC.
 */
export function toUserResponse(row: Row): UserResponse {
  return {
    user_id: row.user_id,
    email: row.email,
    username: row.username,
    full_name: row.full_name,
    auth_provider: row.auth_provider,
    is_active: row.is_active,
    is_verified: row.is_verified,
    roles: row.roles,
    avatar_url: row.avatar_url,
    bio: row.bio,
    timezone: row.timezone,
    locale: row.locale,
    preferences: row.preferences,
    settings: row.settings,
    created_at: iso(row.created_at)!,
    updated_at: iso(row.updated_at)!,
    last_login: iso(row.last_login),
    default_workspace_id: row.default_workspace_id,
  };
}

function iso(value: Date | string | null): string | null {
  if (value === null || value === undefined) return null;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** One user as a response of its own: the body, tagged with the row's version for `ETag`. */
export function userResource(row: Row & Pick<User, 'version'>): UserResponse {
  return withETag(toUserResponse(row), userETag(row));
}

export function userETag(row: Pick<User, 'version'>): string {
  return versionETag(row.version);
}
