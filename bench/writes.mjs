// `node bench/writes.mjs [--duration 10] [--connections 8] [--rounds 2]` (after `npx nest build`):
// the cost of conditional writes and idempotency keys. Each pair runs the same write with and
// without its header, alternating, on one service in production mode; prints req/s, p50 and the
// overhead. Kept apart from run.mjs so the two evolve separately.
import { randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { startDatabase, withClient } from './lib/postgres.mjs';
import { startService } from './lib/processes.mjs';
import { fixture, seedTo } from './lib/seed.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const DURATION = arg('duration', 10);
const CONNECTIONS = arg('connections', 8);
const ROUNDS = arg('rounds', 2);
const log = (msg) => process.stderr.write(`[bench:writes] ${msg}\n`);
const secret = randomBytes(36).toString('base64url');
/** Unique across runs, so a repeated run creates new users rather than answering 409. */
let sequence = 0;
const ADMIN_EMAIL = 'bench-admin@example.com';

/** Closed loop: `CONNECTIONS` workers send `next(i)` back to back for `DURATION` seconds. */
async function drive(url, next) {
  const deadline = Date.now() + DURATION * 1000;
  const latencies = [];
  const statuses = {};
  let i = 0;
  const worker = async () => {
    while (Date.now() < deadline) {
      const { method, path, headers, body } = next(i++);
      const t0 = performance.now();
      const res = await fetch(`${url}${path}`, { method, headers, body });
      await res.arrayBuffer();
      latencies.push(performance.now() - t0);
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / DURATION, p50: latencies[Math.floor(latencies.length / 2)] ?? 0, statuses };
}

function scenarios(fx, adminToken, userToken, meTag) {
  const json = (token) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
  const member = `/v1/orgs/${fx.org_id}/workspaces/${fx.workspace_id}/members/${fx.member_id}`;
  const roleChange = (extra) => (i) => ({ method: 'PATCH', path: member, headers: { ...json(userToken), ...extra }, body: JSON.stringify({ role: i % 2 ? 'admin' : 'member' }) });
  const tag = randomBytes(4).toString('hex');
  const create = (keyed) => () => {
    const n = ++sequence;
    return {
      method: 'POST',
      path: '/v1/users',
      headers: { ...json(adminToken), ...(keyed ? { 'idempotency-key': `bench-${tag}-${n}` } : {}) },
      body: JSON.stringify({ email: `w_${tag}_${n}@example.com`, username: `w_${tag}_${n}`, password: 'bench-password-1234' }),
    };
  };
  const me = (extra) => () => ({ method: 'GET', path: '/v1/users/me', headers: { authorization: `Bearer ${userToken}`, ...extra } });
  return [
    // `If-Match: *` takes the same path as a specific tag (locked read, compare) and never goes stale.
    { name: 'member role change', plain: roleChange({}), variant: roleChange({ 'if-match': '*' }), label: 'If-Match' },
    { name: 'user create', plain: create(''), variant: create('k'), label: 'Idempotency-Key' },
    { name: 'GET /v1/users/me', plain: me({}), variant: me({ 'if-none-match': meTag }), label: 'If-None-Match (304)' },
  ];
}

const db = await startDatabase({ log });
let service;
try {
  const fx = await fixture(db.url);
  await seedTo(db.url, 1000, { argon2: { memoryKiB: 19_456, timeCost: 2, parallelism: 1 }, log });
  service = await startService({
    NODE_ENV: 'production', LOG_LEVEL: 'warn', JWT_SECRET: secret, WEBHOOK_SECRET_KEY: randomBytes(32).toString('base64'), DATABASE_URL: db.url, ADMIN_EMAIL, ADMIN_PASSWORD: randomBytes(18).toString('base64url'),
    METRICS_PUBLIC: 'true', NODE_OPTIONS: '',
  });
  // The owner of the bench workspace also creates the users: a platform admin.
  await withClient(db.url, (c) => c.query(`UPDATE users SET roles = '{admin}' WHERE user_id = $1`, [fx.user_id]));
  fx.member_id = await withClient(db.url, async (c) => (await c.query(`SELECT md5('bench-user-1')::uuid AS id`)).rows[0].id);
  const sign = (sub) => jwt.sign({ sub }, secret, { algorithm: 'HS256', issuer: 'identity-service', audience: 'identity-service', expiresIn: '1h', jwtid: randomBytes(8).toString('hex') });
  const userToken = sign(fx.user_id);
  const meTag = (await fetch(`${service.url}/v1/users/me`, { headers: { authorization: `Bearer ${userToken}` } })).headers.get('etag');
  log(`GET /v1/users/me answers ETag ${meTag}`);
  const rows = [];
  for (const s of scenarios(fx, userToken, userToken, meTag)) {
    await drive(service.url, s.plain); // warm-up, not counted
    const plain = [];
    const variant = [];
    for (let r = 0; r < ROUNDS; r++) {
      plain.push(await drive(service.url, s.plain));
      variant.push(await drive(service.url, s.variant));
    }
    const mean = (xs, k) => xs.reduce((a, x) => a + x[k], 0) / xs.length;
    const row = { scenario: s.name, header: s.label, plainRps: mean(plain, 'rps'), variantRps: mean(variant, 'rps'), plainP50: mean(plain, 'p50'), variantP50: mean(variant, 'p50'), statuses: [plain[0].statuses, variant[0].statuses] };
    row.overheadPct = (1 - row.variantRps / row.plainRps) * 100;
    rows.push(row);
    log(`${s.name}: ${row.plainRps.toFixed(0)} req/s without, ${row.variantRps.toFixed(0)} with ${s.label} (${row.overheadPct.toFixed(1)} % overhead)`);
  }
  console.log(JSON.stringify({ duration: DURATION, connections: CONNECTIONS, rounds: ROUNDS, rows }, null, 2));
} finally {
  await service?.stop().catch(() => undefined);
  await db.stop();
}
