import { ConflictError } from '../common/errors/app-error.js';
import { sqlState } from '../common/errors/database-errors.js';
import { RequestValidationError } from '../common/validation/pydantic-errors.js';
import { JSON_OBJECT_MAX_BYTES } from './dto/user-fields.js';

function constraintOf(error: unknown): string | undefined {
  const e = error as { constraint?: unknown; driverError?: { constraint?: unknown } };
  const name = e?.driverError?.constraint ?? e?.constraint;
  return typeof name === 'string' ? name : undefined;
}

export const emailTaken = () => new ConflictError('A user with this email already exists', { resource_type: 'user', field: 'email' });
export const usernameTaken = () => new ConflictError('A user with this username already exists', { resource_type: 'user', field: 'username' });
export const lastAdmin = () => new ConflictError('The last platform admin cannot be removed, demoted or disabled', { reason: 'last_admin' });

export function lastOwnerOfUser(workspaceIds: string[], orgIds: string[]): ConflictError {
  return new ConflictError('The user is the last owner of a workspace or organization; transfer ownership first', {
    reason: 'last_owner',
    workspace_ids: workspaceIds,
    org_ids: orgIds,
  });
}

/** A unique-index violation on the users table → 409 naming the field; anything else → undefined. */
export function duplicateUserConflict(error: unknown): ConflictError | undefined {
  if (sqlState(error) !== '23505') return undefined;
  switch (constraintOf(error)) {
    case 'users_email_lower_key':
      return emailTaken();
    case 'users_username_lower_key':
      return usernameTaken();
    default:
      return undefined;
  }
}

/**
 * The 16 KiB check constraint on `preferences` / `settings` (the size PostgreSQL measures, after a
 * merge) → the same 422 the body check gives.
 */
export function jsonSizeViolation(error: unknown, input: (field: 'preferences' | 'settings') => unknown): RequestValidationError | undefined {
  if (sqlState(error) !== '23514') return undefined;
  const constraint = constraintOf(error);
  const field = constraint === 'users_preferences_size' ? 'preferences' : constraint === 'users_settings_size' ? 'settings' : undefined;
  if (!field) return undefined;
  const text = `object must be at most ${JSON_OBJECT_MAX_BYTES} bytes when serialized as JSON`;
  return new RequestValidationError([{ type: 'value_error', loc: ['body', field], msg: `Value error, ${text}`, input: input(field), ctx: { error: text } }]);
}

/**
 * Rows of an `UPDATE … RETURNING` / `DELETE … RETURNING` run through TypeORM's `query()`, which
 * answers those commands with `[rows, rowCount]` instead of the rows.
 */
export function returnedRows<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}
