import { AppError, AuthenticationError, NotFoundError } from '../common/errors/app-error.js';
import { sqlState } from '../common/errors/database-errors.js';
import { RequestValidationError } from '../common/validation/pydantic-errors.js';

/** 422 for a default workspace the user does not belong to (or that no longer exists). */
export function notWorkspaceMember(workspaceId: string): RequestValidationError {
  const text = 'the user is not a member of this workspace';
  return new RequestValidationError([{ type: 'value_error', loc: ['body', 'default_workspace_id'], msg: `Value error, ${text}`, input: workspaceId, ctx: { error: text } }]);
}

/**
 * The user a request writes for as its caller (its own membership, session or `added_by`) was
 * deleted while it ran: the answer the authentication guard gives that user's token from now on.
 */
const callerGone = () => new AuthenticationError();

/**
 * Every foreign key a request can violate when the row it refers to is deleted while it runs, and
 * the error that request would have got had it arrived a moment later. The key's value is the id
 * of the deleted row.
 */
const FOREIGN_KEYS: Record<string, (id: string) => AppError | RequestValidationError> = {
  refresh_tokens_user_id_fkey: callerGone,
  org_members_user_id_fkey: callerGone,
  org_members_added_by_fkey: callerGone,
  workspace_members_user_id_fkey: callerGone,
  workspace_members_added_by_fkey: callerGone,
  org_members_org_id_fkey: (id) => new NotFoundError('organization', id),
  workspaces_org_id_fkey: (id) => new NotFoundError('organization', id),
  workspace_members_workspace_id_fkey: (id) => new NotFoundError('workspace', id),
  users_default_workspace_fk: notWorkspaceMember,
  invitations_inviter_user_id_fkey: callerGone,
  invitations_org_id_fkey: (id) => new NotFoundError('organization', id),
  invitations_workspace_id_fkey: (id) => new NotFoundError('workspace', id),
};

/** A foreign-key violation (23503) on a known constraint → its domain error; anything else → undefined. */
export function foreignKeyError(error: unknown): AppError | RequestValidationError | undefined {
  if (sqlState(error) !== '23503') return undefined;
  const e = error as { constraint?: unknown; detail?: unknown; driverError?: { constraint?: unknown; detail?: unknown } };
  const constraint = e.driverError?.constraint ?? e.constraint;
  const toError = typeof constraint === 'string' ? FOREIGN_KEYS[constraint] : undefined;
  if (!toError) return undefined;
  // PostgreSQL names the missing key as `Key (column)=(value) is not present in table "…".`
  const detail = String(e.driverError?.detail ?? e.detail ?? '');
  return toError(/\)=\(([^)]*)\)/.exec(detail)?.[1] ?? '');
}
