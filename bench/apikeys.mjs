// API keys and the evaluation API under load: `GET /v1/users/me` with an API key against the same
// request with an access token (req/s, alternated so a drifting machine favours neither), and the
// p50 of a 50-item `POST /access/v1/evaluations` on a workspace of `--members` members (1M by
// default), over HTTP and for its one query alone.
// `npm run build && node bench/apikeys.mjs [--members N] [--duration S] [--connections C]`
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import jwt from 'jsonwebtoken';
import { load } from './lib/load.mjs';
import { dist } from './lib/paths.mjs';
import { startDatabase, withClient } from './lib/postgres.mjs';
import { startService } from './lib/processes.mjs';
import { fixture, seedTo } from './lib/seed.mjs';

const { values } = parseArgs({
  options: { members: { type: 'string', default: '1000000' }, duration: { type: 'string', default: '10' }, connections: { type: 'string', default: '10' } },
});
const members = Number(values.members);
const duration = Number(values.duration);
const connections = Number(values.connections);
const ARGON2 = { memoryKiB: 19_456, timeCost: 2, parallelism: 1 };
const log = (text) => process.stderr.write(`[bench] ${text}\n`);
const secret = randomBytes(32).toString('base64url');

const db = await startDatabase({ log });
let service;
try {
  await seedTo(db.url, members, { argon2: ARGON2, log });
  const fx = await fixture(db.url);
  const { generateApiKey } = await import(dist('auth/api-keys/api-key-format.js'));
  const made = generateApiKey();
  await withClient(db.url, async (c) => {
    // The evaluation asks about other users: the caller needs authz:check, which platform admins hold.
    await c.query(`UPDATE users SET roles = '{user,admin}' WHERE user_id = $1`, [fx.user_id]);
    await c.query(`INSERT INTO api_keys (name, prefix, key_hash, user_id, created_by) VALUES ('bench', $1, $2, $3, $3)`, [made.prefix, made.hash, fx.user_id]);
  });
  const token = jwt.sign({}, secret, { algorithm: 'HS256', subject: fx.user_id, issuer: 'identity-service', audience: 'identity-service', expiresIn: '1h', jwtid: randomUUID() });
  service = await startService({
    NODE_ENV: 'production', LOG_LEVEL: 'info', JWT_SECRET: secret, WEBHOOK_SECRET_KEY: randomBytes(32).toString('base64'), DATABASE_URL: db.url,
    ADMIN_EMAIL: 'bench-admin@example.com', ADMIN_PASSWORD: randomBytes(18).toString('base64url'), NODE_OPTIONS: '', METRICS_PUBLIC: 'true',
  });
  const me = (credential) => ({ url: `${service.url}/v1/users/me`, headers: { authorization: `Bearer ${credential}` }, connections, duration, pid: service.pid });
  await load({ ...me(token), duration: 3 });
  await load({ ...me(made.key), duration: 3 });
  const rounds = { jwt: [], key: [] };
  for (let i = 0; i < 2; i++) {
    rounds.jwt.push(await load(me(token)));
    rounds.key.push(await load(me(made.key)));
  }
  const mean = (runs, field) => runs.reduce((a, r) => a + r[field], 0) / runs.length;
  const [jwtRps, keyRps] = [mean(rounds.jwt, 'rps'), mean(rounds.key, 'rps')];
  // The service's CPU per request is steadier than req/s on a machine shared with other work.
  const [jwtCpu, keyCpu] = [mean(rounds.jwt, 'cpuUsPerRequest'), mean(rounds.key, 'cpuUsPerRequest')];
  console.log(`GET /v1/users/me  access token ${jwtRps.toFixed(0)} req/s, API key ${keyRps.toFixed(0)} req/s (${((keyRps / jwtRps - 1) * 100).toFixed(1)} %), statuses ${JSON.stringify(rounds.key[0].statuses)}`);
  console.log(`  service CPU per request: access token ${jwtCpu.toFixed(0)} µs, API key ${keyCpu.toFixed(0)} µs (${((keyCpu / jwtCpu - 1) * 100).toFixed(1)} %)`);

  const subjects = Array.from({ length: 50 }, () => 1 + Math.floor(Math.random() * (members - 1)));
  const body = JSON.stringify({
    action: { name: 'members:read' },
    resource: { type: 'workspace', id: fx.workspace_id },
    evaluations: subjects.map((i) => ({ subject: { type: 'user', id: uuidOf(i) } })),
  });
  const batch = { url: `${service.url}/access/v1/evaluations`, method: 'POST', body, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, pid: service.pid };
  await load({ ...batch, connections: 1, duration: 2 });
  const http = await load({ ...batch, connections: 1, duration });
  console.log(`POST /access/v1/evaluations, 50 items, ${members.toLocaleString('en')} members: p50 ${http.p50.toFixed(2)} ms, p99 ${http.p99.toFixed(2)} ms over HTTP (${http.requests} requests, statuses ${JSON.stringify(http.statuses)})`);
  console.log(`  its query alone: p50 ${(await queryP50(db.url, fx.workspace_id, subjects)).toFixed(2)} ms`);
} finally {
  await service?.stop();
  await db.stop();
}

/** The seeded user number i's id, as the seed computes it in SQL (`md5('bench-user-' || i)::uuid`). */
function uuidOf(i) {
  const hex = createHash('md5').update(`bench-user-${i}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The batch's one statement, timed from a plain client: the repository method itself, on a pg client. */
async function queryP50(url, workspaceId, subjects) {
  const { ScopeRepository } = await import(dist('access/scope.repository.js'));
  const repository = new ScopeRepository();
  return withClient(url, async (c) => {
    const ids = subjects.map(uuidOf);
    // The repository reads the pg pool behind a DataSource: here, one plain client stands in for it.
    const dataSource = { driver: { master: { query: (config) => c.query(config) } } };
    const items = ids.map((userId) => ({ userId, workspaceId }));
    const times = [];
    for (let i = 0; i < 300; i++) {
      const t0 = process.hrtime.bigint();
      await repository.subjectStandings(dataSource, items);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
  });
}
