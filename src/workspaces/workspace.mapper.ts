import type { WorkspaceResponse } from './workspace.dto.js';

export interface WorkspaceRow {
  workspace_id: string;
  org_id: string;
  name: string;
  slug: string;
  description: string | null;
  created_at: Date;
  updated_at: Date;
}

export const WORKSPACE_COLUMNS = 'w.workspace_id, w.org_id, w.name, w.slug, w.description, w.created_at, w.updated_at';

export function toWorkspaceResponse(row: WorkspaceRow): WorkspaceResponse {
  return {
    workspace_id: row.workspace_id,
    org_id: row.org_id,
    name: row.name,
    slug: row.slug,
    description: row.description,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
