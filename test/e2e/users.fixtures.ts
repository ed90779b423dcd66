// Shared by the auth*/users* e2e files: the reference user object, and rows the tests seed directly.
import { expect } from 'vitest';
import type { DataSource } from 'typeorm';
import { seedUser, type SeedUser } from '../support/app.js';

/** The user object of the users API reference, field for field and in its order. */
export const REFERENCE_USER = {
  user_id: 'string',
  email: '[email protected]',
  username: 'string',
  full_name: 'string',
  auth_provider: 'string',
  is_active: true,
  is_verified: true,
  roles: ['string'],
  avatar_url: 'string',
  bio: 'string',
  timezone: 'string',
  locale: 'string',
  preferences: {},
  settings: {},
  created_at: '2019-08-24T14:15:22Z',
  updated_at: '2019-08-24T14:15:22Z',
  last_login: '2019-08-24T14:15:22Z',
  default_workspace_id: 'string',
} as const;

/** Fields the service may answer with `null` (the reference shows every example filled in). */
const NULLABLE = new Set(['full_name', 'avatar_url', 'bio', 'timezone', 'locale', 'last_login', 'default_workspace_id']);
const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** The body is the reference's user object: same fields in the same order, each of the same kind. */
export function expectUserObject(body: Record<string, unknown>, expected: Record<string, unknown> = {}): void {
  expect(Object.keys(body)).toEqual(Object.keys(REFERENCE_USER));
  for (const [field, example] of Object.entries(REFERENCE_USER)) {
    const value = body[field];
    if (value === null) {
      expect(NULLABLE.has(field), `${field} must not be null`).toBe(true);
      continue;
    }
    expect(kind(value), field).toBe(kind(example));
    if (field.endsWith('_at') || field === 'last_login') expect(value, field).toMatch(ISO_UTC);
    if (field === 'user_id' || field === 'default_workspace_id') expect(value, field).toMatch(UUID);
  }
  expect(body).not.toHaveProperty('password');
  expect(body).not.toHaveProperty('password_hash');
  for (const [field, value] of Object.entries(expected)) expect(body[field], field).toEqual(value);
}

export async function seedAdmin(db: DataSource, fields: Record<string, unknown> = {}): Promise<SeedUser> {
  return seedUser(db, { roles: ['admin'], ...fields });
}

let slugCounter = 0;

export async function seedOrg(db: DataSource, owner?: string): Promise<string> {
  const [{ org_id }] = await db.query(`INSERT INTO organizations (name, slug) VALUES ('Org', $1) RETURNING org_id`, [`org-${process.pid}-${++slugCounter}`]);
  if (owner) await db.query(`INSERT INTO org_members (org_id, user_id, role) VALUES ($1, $2, 'owner')`, [org_id, owner]);
  return org_id;
}

export async function seedWorkspace(db: DataSource, orgId: string): Promise<string> {
  const [{ workspace_id }] = await db.query(`INSERT INTO workspaces (org_id, name, slug) VALUES ($1, 'Workspace', $2) RETURNING workspace_id`, [orgId, `ws-${++slugCounter}`]);
  return workspace_id;
}

/** A membership as the members service writes it (with the copy of the user's `created_at`). */
export async function addMember(db: DataSource, workspaceId: string, userId: string, role = 'member'): Promise<void> {
  await db.query(
    `INSERT INTO workspace_members (workspace_id, user_id, role, user_created_at)
     SELECT $1, user_id, $3, created_at FROM users WHERE user_id = $2`,
    [workspaceId, userId, role],
  );
}

export async function addOrgMember(db: DataSource, orgId: string, userId: string, role = 'member'): Promise<void> {
  await db.query(`INSERT INTO org_members (org_id, user_id, role) VALUES ($1, $2, $3)`, [orgId, userId, role]);
}
