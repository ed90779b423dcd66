import argon2 from 'argon2';
import { withClient } from './postgres.mjs';

export const PASSWORD = 'bench-password-1234';
const FIRST = ['Olivia', 'Noah', 'Amelia', 'Oscar', 'Sophia', 'Elijah', 'Isabella', 'Jakob', 'Ava', 'Mateo',
  'Mia', 'Benjamin', 'Evelyn', 'Lucas', 'Harper', 'Henry', 'Luna', 'Theodore', 'Chloe', 'Kenji'];
const LAST = ['Smith', 'Johnson', 'Garcia', 'Brown', 'Jones', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Lopez',
  'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee', 'Perez',
  'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson', 'Walker', 'Young',
  'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores', 'Green', 'Adams',
  'Nelson', 'Baker', 'Hall', 'Rivera', 'Campbell', 'Mitchell', 'Carter', 'Roberts', 'Okafor', 'Novak'];

/**
 * Users are numbered; their ids, names and timestamps follow from the number, in SQL and here. A
 * username reads like a person's (`olivia.gonzalez.4200`), not `user_0004200`: a search then
 * meets the trigram spread real names and emails have, not a million rows sharing `use`, `ser`
 * and `000`.
 */
export const username = (i) => `${FIRST[i % 20].toLowerCase()}.${LAST[Math.floor(i / 20) % 50].toLowerCase()}.${i}`;

/** The fixed rows every size shares: one org, one workspace, the login user (number 0) owning both. */
export async function fixture(url) {
  return withClient(url, async (c) => {
    const { rows } = await c.query(`SELECT md5('bench-org')::uuid AS org_id, md5('bench-workspace')::uuid AS workspace_id, md5('bench-user-0')::uuid AS user_id`);
    return { ...rows[0], email: `${username(0)}@example.com`, password: PASSWORD };
  });
}

/**
 * Grows the workspace to `size` members in set-based statements. A load that more than doubles a
 * table drops its secondary indexes first and rebuilds them after (much faster than maintaining
 * them row by row); the member-count and foreign-key triggers are off for the load, the count is
 * set directly.
 */
export async function seedTo(url, size, { argon2: params, log }) {
  const started = Date.now();
  await withClient(url, async (c) => {
    await c.query(`SELECT 1`);
    const { rows } = await c.query(`SELECT member_count FROM workspaces WHERE workspace_id = md5('bench-workspace')::uuid`);
    const from = rows[0]?.member_count ?? 0;
    if (from >= size) return;
    await c.query('BEGIN');
    await c.query(`SET LOCAL maintenance_work_mem = '512MB'`);
    const restoreTriggers = await disableTriggers(c);
    if (from === 0) await createFixture(c, params);
    const dropped = size - from > from ? await dropSecondaryIndexes(c, ['users', 'workspace_members']) : [];
    await c.query(INSERT_USERS, [Math.max(from, 1), size - 1, FIRST, LAST]);
    await c.query(INSERT_MEMBERS, [Math.max(from, 1), size - 1]);
    for (const def of dropped) await c.query(def);
    await c.query(`UPDATE workspaces SET member_count = (SELECT count(*) FROM workspace_members m WHERE m.workspace_id = workspaces.workspace_id)`);
    await restoreTriggers();
    await c.query('COMMIT');
    // Fresh statistics and a visibility map, as a long-lived database would have.
    await c.query('VACUUM (ANALYZE) users, workspace_members, workspaces, organizations, org_members');
  });
  log(`seeded ${size.toLocaleString('en')} members in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function createFixture(c, params) {
  const hash = await argon2.hash(PASSWORD, { type: argon2.argon2id, memoryCost: params.memoryKiB, timeCost: params.timeCost, parallelism: params.parallelism });
  await c.query(`INSERT INTO organizations (org_id, name, slug) VALUES (md5('bench-org')::uuid, 'Bench Org', 'bench-org')`);
  await c.query(`INSERT INTO workspaces (workspace_id, org_id, name, slug) VALUES (md5('bench-workspace')::uuid, md5('bench-org')::uuid, 'Bench', 'bench')`);
  await c.query(INSERT_USERS.replace(`NULL AS password_hash`, `$5::text`), [0, 0, FIRST, LAST, hash]);
  await c.query(`
    INSERT INTO workspace_members (workspace_id, user_id, role, user_created_at, created_at)
    SELECT md5('bench-workspace')::uuid, user_id, 'owner', created_at, created_at FROM users WHERE user_id = md5('bench-user-0')::uuid`);
  await c.query(`INSERT INTO org_members (org_id, user_id, role) VALUES (md5('bench-org')::uuid, md5('bench-user-0')::uuid, 'owner')`);
}

const INSERT_USERS = `
  INSERT INTO users (user_id, email, username, password_hash, full_name, is_verified, timezone, locale, created_at, updated_at)
  SELECT md5('bench-user-' || i)::uuid,
         lower(($3::text[])[1 + i % 20]) || '.' || lower(($4::text[])[1 + (i / 20) % 50]) || '.' || i || '@example.com',
         lower(($3::text[])[1 + i % 20]) || '.' || lower(($4::text[])[1 + (i / 20) % 50]) || '.' || i,
         NULL AS password_hash,
         ($3::text[])[1 + i % 20] || ' ' || ($4::text[])[1 + (i / 20) % 50],
         true, 'Europe/Berlin', 'en-US',
         timestamptz '2024-01-01 00:00:00Z' + i * interval '1 second',
         timestamptz '2024-01-01 00:00:00Z' + i * interval '1 second'
  FROM generate_series($1::int, $2::int) AS i`;

const INSERT_MEMBERS = `
  INSERT INTO workspace_members (workspace_id, user_id, role, added_by, user_created_at, created_at, updated_at)
  SELECT md5('bench-workspace')::uuid, md5('bench-user-' || i)::uuid, 'member', md5('bench-user-0')::uuid,
         timestamptz '2024-01-01 00:00:00Z' + i * interval '1 second',
         timestamptz '2024-02-01 00:00:00Z' + i * interval '1 second',
         timestamptz '2024-02-01 00:00:00Z' + i * interval '1 second'
  FROM generate_series($1::int, $2::int) AS i`;

/**
 * As a superuser, `session_replication_role = replica` skips every trigger (foreign keys, the
 * member count, updated_at). Otherwise only the member-count trigger is switched off.
 */
async function disableTriggers(c) {
  await c.query('SAVEPOINT triggers');
  try {
    await c.query(`SET LOCAL session_replication_role = replica`);
    return async () => c.query(`SET LOCAL session_replication_role = origin`);
  } catch {
    await c.query('ROLLBACK TO SAVEPOINT triggers');
    await c.query(`ALTER TABLE workspace_members DISABLE TRIGGER workspace_members_count`);
    return async () => c.query(`ALTER TABLE workspace_members ENABLE TRIGGER workspace_members_count`);
  }
}

/** Drops the indexes that back no constraint and returns the statements that rebuild them. */
async function dropSecondaryIndexes(c, tables) {
  const { rows } = await c.query(`
    SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
    FROM pg_index i
    WHERE i.indrelid = ANY($1::regclass[])
      AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)`, [tables]);
  for (const r of rows) await c.query(`DROP INDEX ${r.name}`);
  return rows.map((r) => r.def);
}
