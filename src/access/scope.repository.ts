import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { OrgRole, WorkspaceRole } from './roles.js';
import type { ScopeRef } from './scope.js';

export interface ScopeRow {
  org_id: string | null;
  org_role: OrgRole | null;
  workspace_id: string | null;
  workspace_role: WorkspaceRole | null;
}

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

/** Reads a caller's standing in an org or workspace: the rows the permission decisions rest on. */
@Injectable()
export class ScopeRepository {
  async standing(manager: EntityManager, ref: ScopeRef, userId: string): Promise<ScopeRow> {
    const [row] = (await manager.query(SCOPE_SQL, [ref.orgId ?? null, ref.workspaceId ?? null, userId])) as ScopeRow[];
    return row;
  }
}
