import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { bearer, type TestApp } from '../support/app.js';

export const INVITATION_KEYS = [
  'invitation_id', 'org_id', 'workspace_id', 'email', 'role', 'state', 'inviter_user_id', 'accepted_user_id',
  'expires_at', 'accepted_at', 'revoked_at', 'created_at', 'updated_at',
];

export const sha256 = (token: string) => createHash('sha256').update(token).digest();

/** The invitations path of an org, or of one of its workspaces. */
export function invitationsPath(orgId: string, workspaceId?: string): string {
  return workspaceId ? `/v1/orgs/${orgId}/workspaces/${workspaceId}/invitations` : `/v1/orgs/${orgId}/invitations`;
}

export async function invite(t: TestApp, token: string, orgId: string, workspaceId: string | undefined, body: Record<string, unknown>) {
  return t.http.post(invitationsPath(orgId, workspaceId)).set(bearer(token)).send(body);
}

export async function invitationRow(db: DataSource, invitationId: string): Promise<Record<string, any>> {
  const [row] = await db.query(`SELECT * FROM invitations WHERE invitation_id = $1`, [invitationId]);
  return row;
}

export async function eventsOf(db: DataSource, targetId: string): Promise<string[]> {
  const rows: { type: string }[] = await db.query(`SELECT type FROM events WHERE target_id = $1 ORDER BY sequence`, [targetId]);
  return rows.map((r) => r.type);
}

let counter = 0;
export const uniqueEmail = (prefix = 'invitee') => `${prefix}.${Date.now().toString(36)}${(counter++).toString(36)}@example.com`;
