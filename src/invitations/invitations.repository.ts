import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CursorCodec } from '../common/pagination/cursor.js';
import { cursorScope, positionAfter, timeIdPosition } from '../common/pagination/keyset.js';
import type { MembershipScope } from '../members/membership-scope.js';

export type InvitationState = 'pending' | 'accepted' | 'revoked' | 'expired';

export interface InvitationRow {
  invitation_id: string;
  org_id: string;
  workspace_id: string | null;
  email: string;
  role: string;
  state: InvitationState;
  inviter_user_id: string | null;
  accepted_user_id: string | null;
  expires_at: Date;
  accepted_at: Date | null;
  revoked_at: Date | null;
  created_at: Date;
  updated_at: Date;
  version: number;
}

export interface NewInvitation {
  scope: MembershipScope;
  email: string;
  role: string;
  tokenHash: Buffer;
  inviterId: string;
  expiresInDays: number;
}

export interface InvitationPage {
  rows: InvitationRow[];
  has_more: boolean;
  next_cursor: string | null;
}

/** A pending row past its expiry reads as expired before the sweep has written it so. */
const STATE_SQL = `CASE WHEN i.state = 'pending' AND i.expires_at <= now() THEN 'expired' ELSE i.state END`;

const COLUMNS = `i.invitation_id, i.org_id, i.workspace_id, i.email, i.role, ${STATE_SQL} AS state, i.inviter_user_id,
  i.accepted_user_id, i.expires_at, i.accepted_at, i.revoked_at, i.created_at, i.updated_at, i.version`;

/** How a state filter reads the stored state and the expiry. */
const STATE_FILTERS: Record<InvitationState, string> = {
  pending: `i.state = 'pending' AND i.expires_at > now()`,
  expired: `(i.state = 'expired' OR (i.state = 'pending' AND i.expires_at <= now()))`,
  accepted: `i.state = 'accepted'`,
  revoked: `i.state = 'revoked'`,
};

/** The rows of one scope: an org's own invitations, or one workspace's. */
function scopeFilter(scope: MembershipScope, params: unknown[]): string {
  if (scope.kind === 'org') return `i.org_id = $${params.push(scope.orgId)} AND i.workspace_id IS NULL`;
  return `i.workspace_id = $${params.push(scope.workspaceId)} AND i.org_id = $${params.push(scope.orgId)}`;
}

/** Emails are compared in the form users' emails are stored in: NFKC, lower-cased. */
const NORMALIZED_EMAIL = (param: string) => `lower(normalize(${param}::text, NFKC))`;

/**
 * Every statement on `invitations`. Statements that return changed rows are wrapped in a `WITH`
 * (TypeORM answers a bare `UPDATE … RETURNING` with `[rows, count]`).
 */
@Injectable()
export class InvitationsRepository {
  constructor(private readonly cursors: CursorCodec) {}

  /**
   * Locks the organization row against other invitation writes of the org (not against member
   * changes of its workspaces), so the hourly count and the one-pending rule hold under concurrency.
   */
  async lockOrg(m: EntityManager, orgId: string): Promise<boolean> {
    const rows: unknown[] = await m.query(`SELECT 1 FROM organizations WHERE org_id = $1 FOR NO KEY UPDATE`, [orgId]);
    return rows.length > 0;
  }

  /** The names the invitation mail shows: the organization's, and the workspace's for a workspace invitation. */
  async scopeNames(m: EntityManager, scope: MembershipScope): Promise<{ org_name: string; workspace_name: string | null }> {
    const [row] = await m.query(
      `SELECT o.name AS org_name, w.name AS workspace_name FROM organizations o
       LEFT JOIN workspaces w ON w.workspace_id = $2 AND w.org_id = o.org_id WHERE o.org_id = $1`,
      [scope.orgId, scope.kind === 'workspace' ? scope.workspaceId : null],
    );
    return row;
  }

  /** Invitations created in the org during the last hour, and when the oldest of them leaves the window. */
  async createdLastHour(m: EntityManager, orgId: string): Promise<{ count: number; secondsUntilOldestLeaves: number }> {
    const [row] = await m.query(
      `SELECT count(*)::int AS count, COALESCE(EXTRACT(EPOCH FROM min(created_at) + interval '1 hour' - now()), 0)::float8 AS seconds
       FROM invitations WHERE org_id = $1 AND created_at > now() - interval '1 hour'`,
      [orgId],
    );
    return { count: row.count, secondsUntilOldestLeaves: row.seconds };
  }

  /** Whether a user with this email is a member of the scope. */
  async isMember(m: EntityManager, scope: MembershipScope, email: string): Promise<boolean> {
    const rows: unknown[] =
      scope.kind === 'org'
        ? await m.query(
            `SELECT 1 FROM users u JOIN org_members om ON om.user_id = u.user_id AND om.org_id = $1 WHERE lower(u.email) = ${NORMALIZED_EMAIL('$2')}`,
            [scope.orgId, email],
          )
        : await m.query(
            `SELECT 1 FROM users u JOIN workspace_members wm ON wm.user_id = u.user_id AND wm.workspace_id = $1 WHERE lower(u.email) = ${NORMALIZED_EMAIL('$2')}`,
            [scope.workspaceId, email],
          );
    return rows.length > 0;
  }

  /** Ends the scope's pending invitation of `email`, if any: revoked, or expired when past its expiry. */
  async closePending(m: EntityManager, scope: MembershipScope, email: string): Promise<InvitationRow | undefined> {
    const params: unknown[] = [];
    const where = scopeFilter(scope, params);
    const [row] = await m.query(
      `WITH c AS (
         UPDATE invitations i SET state = CASE WHEN i.expires_at <= now() THEN 'expired' ELSE 'revoked' END,
           revoked_at = CASE WHEN i.expires_at <= now() THEN NULL ELSE now() END, version = i.version + 1
         WHERE ${where} AND i.email = ${NORMALIZED_EMAIL(`$${params.push(email)}`)} AND i.state = 'pending'
         RETURNING i.*)
       SELECT ${COLUMNS} FROM c i`,
      params,
    );
    return row;
  }

  async insert(m: EntityManager, n: NewInvitation): Promise<InvitationRow> {
    const [row] = await m.query(
      `WITH i AS (
         INSERT INTO invitations (org_id, workspace_id, email, role, token_hash, inviter_user_id, expires_at)
         VALUES ($1, $2, ${NORMALIZED_EMAIL('$3')}, $4, $5, $6, now() + make_interval(days => $7))
         RETURNING *)
       SELECT ${COLUMNS} FROM i`,
      [n.scope.orgId, n.scope.kind === 'workspace' ? n.scope.workspaceId : null, n.email, n.role, n.tokenHash, n.inviterId, n.expiresInDays],
    );
    return row;
  }

  /** One page of the scope's invitations, oldest first, keyset on `(created_at, invitation_id)`. */
  async list(m: EntityManager, scope: MembershipScope, q: { state?: InvitationState; limit: number; cursor?: string }): Promise<InvitationPage> {
    const params: unknown[] = [];
    const filters = [scopeFilter(scope, params)];
    if (q.state) filters.push(STATE_FILTERS[q.state]);
    const listScope = cursorScope('invitations', scope.orgId, scope.kind === 'workspace' ? scope.workspaceId : null, q.state ?? '');
    const after = positionAfter(this.cursors, q.cursor || undefined, listScope);
    if (after) filters.push(`(i.created_at, i.invitation_id) > ($${params.push(after.createdAt)}::timestamptz, $${params.push(after.id)}::uuid)`);
    const rows: InvitationRow[] = await m.query(
      `SELECT ${COLUMNS} FROM invitations i WHERE ${filters.join(' AND ')} ORDER BY i.created_at, i.invitation_id LIMIT $${params.push(q.limit + 1)}`,
      params,
    );
    const page = this.cursors.page(rows, q.limit, listScope, (row) => timeIdPosition(row.created_at, row.invitation_id));
    return { rows: page.items, has_more: page.has_more, next_cursor: page.next_cursor };
  }

  /** The scope's invitation with this id; with `lock`, its row is locked until commit. */
  async find(m: EntityManager, scope: MembershipScope, invitationId: string, lock = false): Promise<InvitationRow | undefined> {
    const params: unknown[] = [invitationId];
    const [row] = await m.query(
      `SELECT ${COLUMNS} FROM invitations i WHERE i.invitation_id = $1 AND ${scopeFilter(scope, params)}${lock ? ' FOR UPDATE' : ''}`,
      params,
    );
    return row;
  }

  /** The organization of the invitation holding this token hash, read without a lock. */
  async orgOfTokenHash(m: EntityManager, hash: Buffer): Promise<string | undefined> {
    const [row] = await m.query(`SELECT org_id FROM invitations WHERE token_hash = $1`, [hash]);
    return row?.org_id;
  }

  /** The invitation holding this token hash, with its stored hash; with `lock`, locked until commit. */
  async findByTokenHash(m: EntityManager, hash: Buffer, lock = false): Promise<(InvitationRow & { token_hash: Buffer }) | undefined> {
    const [row] = await m.query(`SELECT ${COLUMNS}, i.token_hash FROM invitations i WHERE i.token_hash = $1${lock ? ' FOR UPDATE' : ''}`, [hash]);
    return row;
  }

  async revoke(m: EntityManager, invitationId: string): Promise<InvitationRow> {
    return this.update(m, invitationId, `state = 'revoked', revoked_at = now()`, []);
  }

  /** A new token and expiry for a pending or expired invitation; the old token stops matching. */
  async renewToken(m: EntityManager, invitationId: string, tokenHash: Buffer, expiresInDays: number): Promise<InvitationRow> {
    return this.update(m, invitationId, `state = 'pending', token_hash = $2, expires_at = now() + make_interval(days => $3)`, [tokenHash, expiresInDays]);
  }

  async markAccepted(m: EntityManager, invitationId: string, userId: string): Promise<InvitationRow> {
    return this.update(m, invitationId, `state = 'accepted', accepted_at = now(), accepted_user_id = $2`, [userId]);
  }

  /** Writes `expired` on up to `limit` pending invitations past their expiry; rows another instance holds are skipped. */
  async expireDue(m: EntityManager, limit: number): Promise<InvitationRow[]> {
    return m.query(
      `WITH due AS (
         SELECT invitation_id FROM invitations WHERE state = 'pending' AND expires_at <= now()
         ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED),
       c AS (
         UPDATE invitations i SET state = 'expired', version = i.version + 1 FROM due
         WHERE i.invitation_id = due.invitation_id RETURNING i.*)
       SELECT ${COLUMNS} FROM c i ORDER BY i.expires_at`,
      [limit],
    );
  }

  private async update(m: EntityManager, invitationId: string, set: string, params: unknown[]): Promise<InvitationRow> {
    const [row] = await m.query(
      `WITH c AS (UPDATE invitations SET ${set}, version = version + 1 WHERE invitation_id = $1 RETURNING *)
       SELECT ${COLUMNS} FROM c i`,
      [invitationId, ...params],
    );
    return row;
  }
}
