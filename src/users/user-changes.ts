import { ForbiddenError } from '../common/errors/app-error.js';
import { normalizeRoles } from './dto/user-fields.js';
import type { UpdateUserRequest } from './dto/users.dto.js';
import { lastAdmin } from './user-errors.js';
import type { LockedUser } from './users.repository.js';
import type { User } from '../database/entities/user.entity.js';

/** Columns a PUT may write, straight from the body (others are derived or guarded). */
const PLAIN_FIELDS = ['username', 'full_name', 'avatar_url', 'bio', 'timezone', 'locale'] as const;
const JSON_FIELDS = ['preferences', 'settings'] as const;

/**
 * Fields only an admin may change answer 403 `users:manage` to anyone else, but only when they would
 * really change: a client may PUT back the whole object it got. Not an admin, so the target is the
 * caller, whose row the guard loaded on this request.
 */
export function assertSelfChangeAllowed(caller: User, dto: UpdateUserRequest): void {
  const roleChange = dto.roles !== undefined && !sameRoles(normalizeRoles(dto.roles), caller.roles);
  const activeChange = dto.is_active !== undefined && dto.is_active !== caller.is_active;
  const verifiedChange = dto.is_verified !== undefined && dto.is_verified !== caller.is_verified;
  const passwordWithoutCurrent = dto.password !== undefined && dto.current_password === undefined;
  if (roleChange || activeChange || verifiedChange || passwordWithoutCurrent) throw new ForbiddenError('users:manage');
}

/** The columns `dto` really changes on `current` (JSON columns serialized), with a new password hash. */
export function changeSet(current: LockedUser, dto: UpdateUserRequest, newHash: string | undefined): Record<string, unknown> {
  const set: Record<string, unknown> = {};
  if (current._email !== null && current._email !== current.email) set.email = current._email;
  for (const field of PLAIN_FIELDS) {
    const value = dto[field];
    if (value !== undefined && value !== current[field]) set[field] = value;
  }
  for (const field of JSON_FIELDS) {
    const value = dto[field];
    if (value !== undefined && JSON.stringify(value) !== JSON.stringify(current[field])) set[field] = JSON.stringify(value);
  }
  if (dto.roles !== undefined) {
    const roles = normalizeRoles(dto.roles);
    if (!sameRoles(roles, current.roles)) set.roles = roles;
  }
  if (dto.is_active !== undefined && dto.is_active !== current.is_active) set.is_active = dto.is_active;
  // A changed email is unverified unless the same request says otherwise.
  if (dto.is_verified !== undefined && dto.is_verified !== current.is_verified) set.is_verified = dto.is_verified;
  else if (set.email !== undefined) set.is_verified = false;
  if (newHash !== undefined) set.password_hash = newHash;
  return set;
}

/** 409 when `set` would leave no active platform admin; `admins` are the locked active admins' ids. */
export function assertAdminRemains(current: User, set: Record<string, unknown>, admins: string[]): void {
  const stillAdmin = ((set.roles as string[] | undefined) ?? current.roles).includes('admin') && ((set.is_active as boolean | undefined) ?? current.is_active);
  const wasActiveAdmin = current.roles.includes('admin') && current.is_active;
  if (wasActiveAdmin && !stillAdmin && !admins.some((id) => id !== current.user_id)) throw lastAdmin();
}

function sameRoles(a: readonly string[], b: readonly string[]): boolean {
  return normalizeRoles(a)[0] === normalizeRoles(b)[0];
}
