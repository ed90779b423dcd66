import { Injectable } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import { pgPool } from '../database/pg-pool.js';
import type { ScopeRef, StandingRow } from './scope.js';

export type ScopeRow = StandingRow;

/**
 * One round trip for any scope: the workspace (only under the named org), its org, and the caller's
 * membership in both. A workspace under another org simply does not join.
 */
const SCOPE_SQL = `
  SELECT o.org_id, om.role AS org_role, w.workspace_id, wm.role AS workspace_role
  FROM (SELECT $1::uuid AS org_id, $2::uuid AS workspace_id) s
  LEFT JOIN workspaces w ON w.workspace_id = s.workspace_id AND (s.org_id IS NULL OR w.org_id = s.org_id)
  LEFT JOIN organizations o ON o.org_id = COALESCE(s.org_id, w.org_id)
  LEFT JOIN org_members om ON om.org_id = o.org_id AND om.user_id = $3
  LEFT JOIN workspace_members wm ON wm.workspace_id = w.workspace_id AND wm.user_id = $3`;

/** A subject and the scope asked about, one item of a batch. */
export interface StandingQuery {
  userId: string;
  orgId?: string;
  workspaceId?: string;
}

/** A subject's standing in one scope, with what the guard reads of the subject itself. */
export interface SubjectStandingRow extends ScopeRow {
  subject_id: string | null;
  is_active: boolean | null;
  roles: string[] | null;
}

/** The scope query for many (subject, scope) pairs at once, rows in the order asked. */
const STANDINGS_SQL = `
  SELECT u.user_id AS subject_id, u.is_active, u.roles, o.org_id, om.role AS org_role, w.workspace_id, wm.role AS workspace_role
    FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) WITH ORDINALITY AS s(user_id, org_id, workspace_id, n)
    LEFT JOIN users u ON u.user_id = s.user_id
    LEFT JOIN workspaces w ON w.workspace_id = s.workspace_id AND (s.org_id IS NULL OR w.org_id = s.org_id)
    LEFT JOIN organizations o ON o.org_id = COALESCE(s.org_id, w.org_id)
    LEFT JOIN org_members om ON om.org_id = o.org_id AND om.user_id = s.user_id
    LEFT JOIN workspace_members wm ON wm.workspace_id = w.workspace_id AND wm.user_id = s.user_id
   ORDER BY s.n`;


/** Reads a caller's standing in an org or workspace: the rows the permission decisions rest on. */
@Injectable()
export class ScopeRepository {
  async standing(manager: EntityManager, ref: ScopeRef, userId: string): Promise<ScopeRow> {
    const [row] = (await manager.query(SCOPE_SQL, [ref.orgId ?? null, ref.workspaceId ?? null, userId])) as ScopeRow[];
    return row;
  }

  /**
   * Many subjects' standings in one round trip: what a batch of evaluations rests on. Not a named
   * (prepared) statement, though planning this join costs about as much as running it for 50
   * subjects: PgBouncer before 1.21 in transaction mode hands a statement prepared on one server
   * connection to another, where it does not exist.
   */
  async subjectStandings(dataSource: DataSource, items: readonly StandingQuery[]): Promise<SubjectStandingRow[]> {
    if (items.length === 0) return [];
    const column = (pick: (i: StandingQuery) => string | undefined) => items.map((i) => pick(i) ?? null);
    const values = [column((i) => i.userId), column((i) => i.orgId), column((i) => i.workspaceId)];
    const result = await pgPool(dataSource)!.query<SubjectStandingRow>(STANDINGS_SQL, values);
    return result.rows;
  }
}
