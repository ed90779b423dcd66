import type { OrganizationResponse } from './organization.dto.js';

export interface OrganizationRow {
  org_id: string;
  name: string;
  slug: string;
  created_at: Date;
  updated_at: Date;
}

export function toOrganizationResponse(row: OrganizationRow): OrganizationResponse {
  return {
    org_id: row.org_id,
    name: row.name,
    slug: row.slug,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}
