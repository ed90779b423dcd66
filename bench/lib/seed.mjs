import { fakerEN_US } from '@faker-js/faker';
import argon2 from 'argon2';
import { withClient } from './postgres.mjs';

export const PASSWORD = 'bench-password-1234';

// Real names: every first and last name of faker's en_US lists (hundreds of each), not a
// handful repeated, so a term's trigrams are as common as they are in a real directory.
const person = fakerEN_US.definitions.person;
const FIRST = [...new Set([...person.first_name.generic, ...person.first_name.female, ...person.first_name.male])].sort();
const LAST = [...new Set(person.last_name.generic)].sort();

// The last name is scattered by a multiplicative hash, as names in a real directory have nothing
// to do with the order people joined in: taken in turn, one last name held 700 consecutive members,
// and a search for it found nothing in the first pages and everything in one stretch.
const firstOf = (i) => FIRST[i % FIRST.length];
const lastOf = (i) => LAST[(Math.imul(i, 2654435761) >>> 0) % LAST.length];

/**
 * Users are numbered; their ids, names and timestamps follow from the number, in SQL and here. A
 * username reads like a person's (`maria.hartmann.4200`), not `user_0004200`: a search then meets
 * the trigram spread real names and emails have, not a million rows sharing `use`, `ser` and `000`.
 */
export const username = (i) => `${firstOf(i).toLowerCase()}.${lastOf(i).toLowerCase()}.${i}`;

/** How many of users 0 … size-1 a search for `term` matches (name, username or email). */
export function matchesOf(term, size) {
  const t = term.toLowerCase();
  let n = 0;
  for (let i = 0; i < size; i++) if (`${firstOf(i)} ${lastOf(i)}\u0001${username(i)}\u0001${username(i)}@example.com`.toLowerCase().includes(t)) n++;
  return n;
}

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

/** `firstOf(i)` and `lastOf(i)` in SQL, the lists passed as $3 and $4. */
const FIRST_SQL = `($3::text[])[1 + i % cardinality($3::text[])]`;
const LAST_SQL = `($4::text[])[1 + ((i::bigint * 2654435761) % 4294967296) % cardinality($4::text[])]`;

const INSERT_USERS = `
  INSERT INTO users (user_id, email, username, password_hash, full_name, is_verified, timezone, locale, created_at, updated_at)
  SELECT md5('bench-user-' || i)::uuid,
         lower(${FIRST_SQL}) || '.' || lower(${LAST_SQL}) || '.' || i || '@example.com',
         lower(${FIRST_SQL}) || '.' || lower(${LAST_SQL}) || '.' || i,
         NULL AS password_hash,
         ${FIRST_SQL} || ' ' || ${LAST_SQL},
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
