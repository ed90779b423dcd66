#!/usr/bin/env node
// Events, feed and webhook figures; separate from run.mjs. `npm run build && node bench/events.mjs [--events N] [--deliveries N]`.
// See bench/README.md ("Events and webhooks").
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import autocannon from 'autocannon';
import jwt from 'jsonwebtoken';
import { startDatabase, withClient } from './lib/postgres.mjs';
import { sleep, startService } from './lib/processes.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const BIG = arg('events', 10_000_000);
const DELIVERIES = arg('deliveries', 5_000);
const log = (m) => process.stderr.write(`[events-bench] ${m}\n`);
const secret = randomBytes(36).toString('base64url');
const token = (sub) => jwt.sign({ sub, jti: randomBytes(8).toString('hex'), iss: 'identity-service', aud: 'identity-service' }, secret, { expiresIn: '1h' });
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

const db = await startDatabase({ log });
const results = {};
try {
  const ids = await withClient(db.url, async (c) => {
    const [{ user_id }] = (await c.query(`INSERT INTO users (email, username, password_hash, roles) VALUES ('bench@example.com', 'bench', 'x', '{admin}') RETURNING user_id`)).rows;
    const [{ org_id }] = (await c.query(`INSERT INTO organizations (name, slug) VALUES ('Bench', 'bench') RETURNING org_id`)).rows;
    const [{ workspace_id }] = (await c.query(`INSERT INTO workspaces (org_id, name, slug) VALUES ($1, 'W', 'w') RETURNING workspace_id`, [org_id])).rows;
    await c.query(`INSERT INTO org_members (org_id, user_id, role) VALUES ($1, $2, 'owner')`, [org_id, user_id]);
    await c.query(`INSERT INTO workspace_members (workspace_id, user_id, role, user_created_at) SELECT $1, $2, 'owner', created_at FROM users WHERE user_id = $2`, [workspace_id, user_id]);
    return { user_id, org_id, workspace_id };
  });
  const env = { NODE_ENV: 'production', DATABASE_URL: db.url, JWT_SECRET: secret, METRICS_PUBLIC: 'true', LOG_LEVEL: 'warn', WEBHOOK_SECRET_KEY: randomBytes(32).toString('base64'), WEBHOOK_ALLOW_PRIVATE: 'true', JOBS_POLL_MS: '50' };
  const auth = { authorization: `Bearer ${token(ids.user_id)}` };

  results.feed = await feedFigures(db.url, env, ids, auth);
  results.delivery = await deliveryFigures(db.url, env, ids, auth);
  results.memberAdd = await memberAddFigures(db.url, env, ids, auth);
  console.log(JSON.stringify(results, null, 2));
} finally {
  await db.stop();
}

/** p50 of the first feed page and of the audit log's newest page, at 10k events and then at BIG events in the org. */
async function feedFigures(url, env, ids, auth) {
  const out = {};
  let have = 0;
  for (const size of [10_000, BIG]) {
    await withClient(url, async (c) => {
      for (let from = have; from < size; from += 1_000_000) {
        const n = Math.min(1_000_000, size - from);
        await c.query(
          `INSERT INTO events (type, actor_type, actor_id, org_id, target_type, target_id, data)
           SELECT 'org.updated', 'user', $2::uuid, $1::uuid, 'organization', $1::text, jsonb_build_object('name', 'n' || g) FROM generate_series(1, $3) g`,
          [ids.org_id, ids.user_id, n],
        );
        log(`events: ${from + n}`);
      }
      await c.query('VACUUM ANALYZE events');
    });
    have = size;
    const svc = await startService(env);
    try {
      out[size] = {};
      for (const [name, path] of [['feed', `/v1/orgs/${ids.org_id}/events?limit=50`], ['audit', `/v1/orgs/${ids.org_id}/audit-log?limit=50`]]) {
        const r = await autocannon({ url: `${svc.url}${path}`, headers: auth, connections: 10, duration: 5 });
        out[size][name] = { p50_ms: r.latency.p50, p99_ms: r.latency.p99, rps: r.requests.average, non2xx: r.non2xx };
      }
    } finally {
      await svc.stop();
    }
    log(`feed at ${size}: ${JSON.stringify(out[size])}`);
  }
  out.ratio_p50 = { feed: out[BIG].feed.p50_ms / out[10_000].feed.p50_ms, audit: out[BIG].audit.p50_ms / out[10_000].audit.p50_ms };
  return out;
}

/** DELIVERIES events written at once; how fast a local receiver gets them all, and each one's latency. */
async function deliveryFigures(url, env, ids, auth) {
  const arrivals = [];
  const receiver = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      arrivals.push({ at: Date.now(), body: Buffer.concat(chunks).toString() });
      res.writeHead(204).end();
    });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  const svc = await startService(env);
  try {
    const res = await fetch(`${svc.url}/v1/orgs/${ids.org_id}/webhooks`, {
      method: 'POST', headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ url: `http://127.0.0.1:${receiver.address().port}/hook`, event_types: ['workspace.updated'] }),
    });
    if (res.status !== 201) throw new Error(`webhook: ${res.status} ${await res.text()}`);
    await sleep(500);
    const started = Date.now();
    await withClient(url, (c) => c.query(
      `INSERT INTO events (type, actor_type, org_id, target_type, target_id) SELECT 'workspace.updated', 'system', $1::uuid, 'workspace', g::text FROM generate_series(1, $2) g`,
      [ids.org_id, DELIVERIES],
    ));
    while (arrivals.length < DELIVERIES && Date.now() - started < 300_000) await sleep(50);
    const seconds = (arrivals.at(-1).at - started) / 1000;
    const latencies = arrivals.map((a) => a.at - Date.parse(JSON.parse(a.body).timestamp));
    return { events: DELIVERIES, received: arrivals.length, seconds, per_second: arrivals.length / seconds, p50_ms: pct(latencies, 50), p99_ms: pct(latencies, 99) };
  } finally {
    await svc.stop();
    receiver.close();
  }
}

/** POST member add req/s, with events written and with the events insert turned into a no-op (a rule). */
async function memberAddFigures(url, env, ids, auth) {
  const out = {};
  for (const mode of ['with_events', 'without_events']) {
    await withClient(url, async (c) => {
      await c.query(mode === 'without_events' ? `CREATE RULE bench_no_events AS ON INSERT TO events DO INSTEAD NOTHING` : `DROP RULE IF EXISTS bench_no_events ON events`);
      await c.query(`DELETE FROM workspace_members WHERE workspace_id = $1 AND user_id <> $2`, [ids.workspace_id, ids.user_id]);
      await c.query(`DELETE FROM users WHERE username LIKE 'm\\_%'`);
      await c.query(`INSERT INTO users (email, username, password_hash) SELECT 'm' || g || '@example.com', 'm_' || g, 'x' FROM generate_series(1, 200000) g`);
    });
    const users = await withClient(url, async (c) => (await c.query(`SELECT user_id FROM users WHERE username LIKE 'm\\_%'`)).rows.map((r) => r.user_id));
    const svc = await startService(env);
    let i = 0;
    try {
      const r = await autocannon({
        url: `${svc.url}/v1/orgs/${ids.org_id}/workspaces/${ids.workspace_id}/members`, connections: 20, duration: 10,
        requests: [{ method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, setupRequest: (req) => ({ ...req, body: JSON.stringify({ user_id: users[i++ % users.length] }) }) }],
      });
      out[mode] = { rps: r.requests.average, p50_ms: r.latency.p50, p99_ms: r.latency.p99, non2xx: r.non2xx };
    } finally {
      await svc.stop();
    }
    log(`member add ${mode}: ${JSON.stringify(out[mode])}`);
  }
  await withClient(url, (c) => c.query(`DROP RULE IF EXISTS bench_no_events ON events`));
  out.slowdown = 1 - out.with_events.rps / out.without_events.rps;
  return out;
}
