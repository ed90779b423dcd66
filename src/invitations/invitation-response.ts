import type { InvitationResponse, InvitationWithTokenResponse } from './invitation.dto.js';
import type { InvitationRow } from './invitations.repository.js';
import { versionETag, withETag } from '../common/http/conditional/etag.js';

const iso = (value: Date | null): string | null => (value ? value.toISOString() : null);

/** The invitation object: exactly its public fields, in their documented order (never the token hash). */
export function toInvitationResponse(row: InvitationRow): InvitationResponse {
  return {
    invitation_id: row.invitation_id,
    org_id: row.org_id,
    workspace_id: row.workspace_id,
    email: row.email,
    role: row.role,
    state: row.state,
    inviter_user_id: row.inviter_user_id,
    accepted_user_id: row.accepted_user_id,
    expires_at: row.expires_at.toISOString(),
    accepted_at: iso(row.accepted_at),
    revoked_at: iso(row.revoked_at),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export function withToken(row: InvitationRow, token: string, acceptUrl: string): InvitationWithTokenResponse {
  return withETag({ ...toInvitationResponse(row), token, accept_url: acceptUrl }, invitationETag(row));
}

/** One invitation with its tag, for a response about it alone. */
export function invitationResource(row: InvitationRow): InvitationResponse {
  return withETag(toInvitationResponse(row), invitationETag(row));
}

/**
 * The row's version, and whether it reads as expired: a pending invitation turns expired by the
 * clock before the sweep writes it, and its representation (its `state`) changes then too.
 */
function invitationETag(row: InvitationRow): string {
  return versionETag(row.version, row.state === 'expired' ? 1 : 0);
}
