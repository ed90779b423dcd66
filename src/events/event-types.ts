/** Every event type the service writes; a misspelt type does not compile. */
export const EVENT_TYPES = [
  'user.created',
  'user.updated',
  'user.deleted',
  'user.password_changed',
  'user.disabled',
  'user.email_verified',
  'user.password_reset_requested',
  'user.password_reset',
  'user.signed_up',
  'auth.login_succeeded',
  'auth.login_failed',
  'auth.refresh_reuse_detected',
  'auth.logged_out',
  'org.created',
  'org.updated',
  'org.deleted',
  'org_member.added',
  'org_member.role_changed',
  'org_member.removed',
  'workspace.created',
  'workspace.updated',
  'workspace.deleted',
  'workspace_member.added',
  'workspace_member.role_changed',
  'workspace_member.removed',
  'invitation.created',
  'invitation.resent',
  'invitation.accepted',
  'invitation.revoked',
  'invitation.expired',
  'api_key.created',
  'api_key.revoked',
  'webhook_endpoint.created',
  'webhook_endpoint.updated',
  'webhook_endpoint.deleted',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** What changed in an update: `{field: [before, after]}`, the changed fields only. */
export type FieldChanges = Record<string, [unknown, unknown]>;

/** An event as a change hands it to the outbox; the rest (id, sequence, time, request) is filled in. */
export interface NewEvent {
  type: EventType;
  orgId?: string | null;
  workspaceId?: string | null;
  target: { type: string; id: string };
  /** The target after the change, in its public shape (omit for deletions). */
  data?: Record<string, unknown> | null;
  changes?: FieldChanges | null;
}
