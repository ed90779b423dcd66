// `npm run bench:replicas`: page 1 of a workspace's users read through the service on a primary
// alone, and on a primary with a streaming replica that takes the reads. Prints one JSON object
// (also written under bench/results/). See bench/README.md, "Reads on a replica".
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadSeries } from './lib/load.mjs';
import { startPgCluster } from './lib/pg-cluster.mjs';
import { RESULTS, ROOT } from './lib/paths.mjs';
import { adminQuery, migrate, withClient } from './lib/postgres.mjs';
import { sleep, startService } from './lib/processes.mjs';
import { fixture, seedTo } from './lib/seed.mjs';
import { serviceEnv, signAccessToken } from './lib/service.mjs';

const HELP = `npm run bench:replicas -- [options]
  --members N        members of the measured workspace (default 100000)
  --duration S       measured seconds per mode, split over the rounds (default 12)
  --rounds N         turns each mode takes: primary-only, replica, replica, primary-only, … (default 4)
  --warmup S         seconds of warm-up per mode before the turns (default 4)
  --connections N    autocannon connections (default 50)
  --out FILE         where to write the JSON (default bench/results/replicas-<timestamp>.json)`;

const { values } = parseArgs({
  options: {
    members: { type: 'string', default: '100000' },
    duration: { type: 'string', default: '12' },
    rounds: { type: 'string', default: '4' },
    warmup: { type: 'string', default: '4' },
    connections: { type: 'string', default: '50' },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const opts = {
  members: positive('members', values.members),
  duration: positive('duration', values.duration),
  rounds: positive('rounds', values.rounds),
  warmup: Number(values.warmup),
  connections: positive('connections', values.connections),
};

const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);
const started = Date.now();
const loadavgStart = os.loadavg();
const secret = randomBytes(36).toString('base64url');
// Argon2 at the service's production defaults, as bench/run.mjs seeds the login user.
const ARGON2 = { memoryKiB: 19_456, timeCost: 2, parallelism: 1 };
const MODES = ['primary_only', 'replica'];

const running = [];
let cluster;
const cleanup = async () => {
  for (const p of running.splice(0)) await p.stop().catch(() => undefined);
  await cluster?.close().catch(() => undefined);
};
process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));

try {
  cluster = await startPgCluster({ applyDelay: 0 });
  log(`primary on port ${cluster.primary.port}, streaming replica on port ${cluster.replica.port}`);
  await adminQuery(cluster.primary.url(), 'CREATE DATABASE identity');
  // As bench/lib/postgres.mjs sets it for the bench's database (README, Running at scale).
  await adminQuery(cluster.primary.url(), 'ALTER DATABASE identity SET max_parallel_workers_per_gather = 0');
  const primaryUrl = cluster.primary.url('identity');
  const replicaUrl = cluster.replica.url('identity');
  await migrate(primaryUrl);

  const t0 = Date.now();
  await seedTo(primaryUrl, opts.members, { argon2: ARGON2, log });
  const seedSeconds = (Date.now() - t0) / 1000;
  const fx = await fixture(primaryUrl);
  const replaySeconds = await waitForReplay(cluster);
  log(`replica replayed the seed in ${replaySeconds.toFixed(1)} s after it committed`);

  const auth = { authorization: `Bearer ${signAccessToken(secret, fx.user_id)}` };
  const listPath = `/v1/users?workspace_id=${fx.workspace_id}&limit=50`;
  const t1 = Date.now();
  const services = {
    primary_only: await startService(serviceEnv({ secret, databaseUrl: primaryUrl })),
    replica: await startService(serviceEnv({ secret, databaseUrl: primaryUrl, extra: { DATABASE_REPLICA_URLS: replicaUrl } })),
  };
  running.push(...Object.values(services));
  log(`both services ready in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  const checks = {};
  for (const mode of MODES) checks[mode] = await check(services[mode].url + listPath, auth, Math.min(50, opts.members));
  await waitForReplicaUp(services.replica.url);
  for (const mode of MODES) if (checks[mode] !== 'ok') throw new Error(`${mode}: ${listPath} answered ${checks[mode]}`);
  const readsBefore = await dbReads(services.replica.url);

  // The PostgreSQL CPU of both servers is read around every slice, whichever mode it drives.
  const trees = { primary: cluster.primary.pid(), replica: cluster.replica.pid() };
  const run = (mode, seconds, group) => ({
    url: services[mode].url + listPath,
    pid: services[mode].pid,
    trees,
    headers: auth,
    connections: opts.connections,
    duration: seconds,
    ...(group ? { group } : {}),
  });
  const runs = opts.warmup > 0 ? MODES.map((mode) => run(mode, opts.warmup)) : [];
  const warmups = runs.length;
  const slice = Math.max(1, Math.round(opts.duration / opts.rounds));
  for (let i = 0; i < opts.rounds; i++) {
    const pair = MODES.map((mode) => run(mode, slice, mode));
    runs.push(...(i % 2 === 0 ? pair : pair.reverse()));
  }
  log(`warm-up ${opts.warmup} s per mode, then ${opts.rounds} turns of ${slice} s per mode, ${opts.connections} connections`);
  const figures = (await loadSeries(runs)).slice(warmups);
  const modes = {};
  for (const [i, mode] of MODES.entries()) {
    const f = figures[i];
    modes[mode] = {
      check: checks[mode],
      requests: f.requests,
      rps: round(f.rps, 1),
      p50_ms: round(f.p50, 3),
      p99_ms: round(f.p99, 3),
      non2xx: f.non2xx,
      errors: f.errors,
      seconds: round(f.duration, 2),
      service_cpu_us_per_request: round(f.cpuUsPerRequest, 1),
      pg_cpu_us_per_request: { primary: round(f.treeCpuUsPerRequest.primary, 1), replica: round(f.treeCpuUsPerRequest.replica, 1) },
    };
    log(`${mode}: ${f.rps.toFixed(0)} req/s, p50 ${f.p50?.toFixed(2)} ms, p99 ${f.p99?.toFixed(2)} ms; CPU per request: service ${f.cpuUsPerRequest?.toFixed(0)} µs, primary ${f.treeCpuUsPerRequest.primary?.toFixed(0)} µs, replica ${f.treeCpuUsPerRequest.replica?.toFixed(0)} µs`);
  }
  // The counter as the service with a replica reports it at the end of its turns, less what the
  // checks before the load counted.
  const readsAfter = await dbReads(services.replica.url);
  const dbReadsTotal = Object.fromEntries(Object.entries(readsAfter).map(([target, n]) => [target, n - (readsBefore[target] ?? 0)]));
  const dbReadsPrimaryOnly = await dbReads(services.primary_only.url);

  const p50Ratio = ratio(modes.replica.p50_ms, modes.primary_only.p50_ms);
  const result = {
    p50_ratio_replica_vs_primary: p50Ratio,
    p50_within_10_percent: p50Ratio === null ? null : p50Ratio <= 1.1,
    primary_cpu_us_per_request: { primary_only: modes.primary_only.pg_cpu_us_per_request.primary, replica: modes.replica.pg_cpu_us_per_request.primary },
    primary_cpu_share_replica_vs_primary: ratio(modes.replica.pg_cpu_us_per_request.primary, modes.primary_only.pg_cpu_us_per_request.primary),
    request: `GET ${listPath.replace(fx.workspace_id, '{workspace_id}')}`,
    modes,
    db_reads_total: { replica: dbReadsTotal, primary_only: dbReadsPrimaryOnly },
    meta: {
      date: new Date().toISOString(),
      commit: gitCommit(),
      node: process.version,
      postgres: await withClient(cluster.primary.url(), async (c) => (await c.query('SHOW server_version')).rows[0].server_version),
      cpus: os.cpus().length,
      loadavg_start: loadavgStart,
      members: opts.members,
      duration_per_mode: slice * opts.rounds,
      rounds: opts.rounds,
      warmup: opts.warmup,
      connections: opts.connections,
      seed_seconds: seedSeconds,
      replay_seconds: replaySeconds,
      command: `npm run bench:replicas${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    },
  };
  result.meta.loadavg_end = os.loadavg();
  result.meta.seconds = (Date.now() - started) / 1000;
  const json = JSON.stringify(result, null, 2);
  process.stdout.write(`${json}\n`);
  const out = values.out ?? path.join(RESULTS, `replicas-${result.meta.date.replace(/[:.]/g, '-')}.json`);
  await fs.mkdir(path.dirname(out), { recursive: true });
  await fs.writeFile(out, `${json}\n`);
  log(`results written to ${path.relative(ROOT, out)} (${result.meta.seconds.toFixed(0)} s)`);
} finally {
  await cleanup();
}

/**
 * Waits until the replica has replayed everything the primary had written when asked, and
 * returns how long that took.
 */
async function waitForReplay({ primary, replica }) {
  const t = Date.now();
  const target = await withClient(primary.url(), async (c) => (await c.query('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn);
  await withClient(replica.url(), async (c) => {
    for (const deadline = Date.now() + 300_000; ; await sleep(100)) {
      const { rows } = await c.query('SELECT pg_last_wal_replay_lsn()::text AS at, pg_wal_lsn_diff(pg_last_wal_replay_lsn(), $1::pg_lsn) >= 0 AS done', [target]);
      if (rows[0].done) return;
      if (Date.now() > deadline) throw new Error(`the replica is still at ${rows[0].at}, the primary at ${target}`);
    }
  });
  return (Date.now() - t) / 1000;
}

/** The service polls its replica; until it has seen it up, reads go to the primary. */
async function waitForReplicaUp(url) {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await sleep(100)) {
    const lag = /^db_replica_lag_seconds\{replica="replica_1"\} (\S+)$/m.exec(await metrics(url))?.[1];
    if (lag !== undefined && Number(lag) >= 0) return;
  }
  throw new Error('the service never reported its replica up (db_replica_lag_seconds)');
}

async function metrics(url) {
  const res = await fetch(`${url}/metrics`);
  if (!res.ok) throw new Error(`/metrics answered HTTP ${res.status}`);
  return res.text();
}

/** `db_reads_total` by target, from the service's /metrics. */
async function dbReads(url) {
  const out = {};
  for (const m of (await metrics(url)).matchAll(/^db_reads_total\{target="([^"]+)"\} (\S+)$/gm)) out[m[1]] = Number(m[2]);
  return out;
}

/** One request before the load, so a load of fast errors cannot pass for a result. */
async function check(url, headers, expected) {
  try {
    const res = await fetch(url, { headers });
    if (!res.ok) return `HTTP ${res.status}`;
    const body = await res.json();
    return body?.users?.length === expected ? 'ok' : `${body?.users?.length} users instead of ${expected}`;
  } catch (error) {
    return String(error.message ?? error);
  }
}

function positive(name, text) {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, not ${text}`);
  return n;
}

function round(x, digits) {
  return typeof x === 'number' && Number.isFinite(x) ? Number(x.toFixed(digits)) : null;
}

function ratio(a, b) {
  return typeof a === 'number' && typeof b === 'number' && b > 0 ? Number((a / b).toFixed(3)) : null;
}

function gitCommit() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}
