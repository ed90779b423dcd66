// `npm run bench`: seeds one workspace at growing sizes, starts the built service in production
// mode beside the hand-written baseline, drives both with autocannon from separate processes and
// prints one table (JSON under bench/results/). See bench/README.md.
import { execFileSync } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { load, loadSeries } from './lib/load.mjs';
import { readOptions } from './lib/options.mjs';
import { dist, RESULTS, ROOT } from './lib/paths.mjs';
import { startDatabase } from './lib/postgres.mjs';
import { sampleRss, sleep, startBaseline, startService } from './lib/processes.mjs';
import { evaluateTargets, label, printReport } from './lib/report.mjs';
import { serviceEnv as benchServiceEnv, signAccessToken } from './lib/service.mjs';
import { loginRequest, scenarios } from './lib/scenarios.mjs';
import { fixture, seedTo, username } from './lib/seed.mjs';

const opts = readOptions();
const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);
const started = Date.now();

const secret = randomBytes(36).toString('base64url');
// Argon2 at the service's production defaults: the login scenarios measure the real cost.
const ARGON2 = { memoryKiB: 19_456, timeCost: 2, parallelism: 1 };

const db = await startDatabase({ log });
const results = {
  meta: {
    date: new Date().toISOString(),
    mode: opts.mode,
    commit: gitCommit(),
    node: process.version,
    cpus: os.cpus().length,
    loadavgStart: os.loadavg(),
    connections: opts.connections,
    duration: opts.duration,
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  },
  sizes: [],
};

const running = [];
const cleanup = async () => {
  for (const p of running.splice(0)) await p.stop().catch(() => undefined);
  await db.stop();
};
process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));

try {
  const fx = await fixture(db.url);
  const token = signAccessToken(secret, fx.user_id);
  const auth = { authorization: `Bearer ${token}` };
  const serviceEnv = benchServiceEnv({ secret, databaseUrl: db.url, extra: opts.serviceEnv });
  const cpuProfDir = opts.cpuProf ? path.join(RESULTS, 'profiles') : undefined;

  for (const [index, size] of opts.sizes.entries()) {
    const last = index === opts.sizes.length - 1;
    const t0 = Date.now();
    await seedTo(db.url, size, { argon2: ARGON2, log });
    const entry = { size, seedSeconds: (Date.now() - t0) / 1000, rows: [] };
    results.sizes.push(entry);

    const t1 = Date.now();
    const service = await startService(serviceEnv, { cpuProfDir, entry: opts.entry });
    running.push(service);
    const baseline = await startBaseline({ JWT_SECRET: secret, DATABASE_URL: db.url });
    running.push(baseline);
    log(`service and baseline ready in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
    await sleep(500);
    entry.rss = { before: service.rss(), baselineBefore: baseline.rss() };
    const rss = sampleRss(service);
    const baseRss = sampleRss(baseline);

    const wantsDeep = !opts.only || opts.only.some((o) => 'users list deep'.includes(o));
    const deep = wantsDeep ? await deepCursor(service.url, fx, size, auth, log) : undefined;
    const list = scenarios(fx, size, deep).filter((s) => !s.skip && (!opts.only || opts.only.some((o) => s.name.includes(o))));
    for (const s of list) s.check = await check(service.url, s.path, auth, s.expect);

    // Warm both servers (JIT, pool, PostgreSQL's cache) on every route, then measure baseline and
    // service back to back per route so both see the same machine.
    const runs = [];
    const warm = (url, routes) => {
      if (opts.warmup > 0 && routes.length) runs.push({ url, headers: auth, connections: opts.connections, duration: opts.warmup, requests: routes.map((s) => ({ path: s.path })) });
    };
    warm(service.url, list);
    warm(baseline.url, list.filter((s) => s.baseline));
    const warmups = runs.length;
    for (const s of list) runs.push(...(s.baseline ? alternating(service, baseline, s, auth) : [measured(service, s.path, auth)]));
    // Slices of one group come back merged, baseline first where both servers ran.
    const figures = (await loadSeries(runs)).slice(warmups);
    for (const s of list) {
      const row = { scenario: s.name, size, check: s.check };
      if (s.baseline) row.baseline = figures.shift();
      row.service = figures.shift();
      entry.rows.push(row);
      log(`${label(size)} ${s.name}: ${row.service.rps.toFixed(0)} req/s, p50 ${fmt(row.service.p50)} ms${row.baseline ? ` (baseline ${row.baseline.rps.toFixed(0)} req/s, p50 ${fmt(row.baseline.p50)} ms)` : ''}`);
    }

    entry.rss.during = rss.stop();
    entry.rss.baselineDuring = baseRss.stop();
    if (last) {
      if (opts.login) {
        // Apart from the GET peak: argon2 needs ~19 MiB per hash in flight.
        const loginRss = sampleRss(service);
        results.login = await measureLogin(service, fx, auth);
        results.login.rssPeak = loginRss.stop();
      }
      if (opts.soakSeconds > 0) results.soak = await soak(service, list, auth);
      for (const mod of await moreScenarios()) {
        if (opts.only && !opts.only.some((o) => mod.name.includes(o))) continue;
        log(`scenario module ${mod.name}`);
        (results.more ??= {})[mod.name] = await mod.run({ service, baseline, fx, auth, size, opts, log, load, loadSeries, databaseUrl: db.url });
      }
    }

    await sleep(opts.settleMs);
    entry.rss.after = service.rss();
    await service.stop();
    await baseline.stop();
    running.splice(0);
  }

  results.meta.loadavgEnd = os.loadavg();
  results.meta.seconds = (Date.now() - started) / 1000;
  results.targets = evaluateTargets(results);
  Object.assign(results, headline(results));
  printReport(results);
  const ordered = { ...headline(results), ...results };
  const out = opts.out ?? path.join(RESULTS, `bench-${results.meta.date.replace(/[:.]/g, '-')}.json`);
  await fs.mkdir(path.dirname(out), { recursive: true });
  await fs.writeFile(out, `${JSON.stringify(ordered, null, 2)}\n`);
  log(`results written to ${path.relative(ROOT, out)} (${results.meta.seconds.toFixed(0)} s)`);
} finally {
  await cleanup();
}

/**
 * Scenario modules in bench/scenarios/ (writes, events, …), run at the largest size after the
 * built-in ones. Each exports `{ name, run(ctx) }`; `run` gets the servers, the fixture, an
 * access token's headers and the load helpers, and returns what goes under `more[name]`.
 */
async function moreScenarios() {
  const dir = path.join(ROOT, 'bench', 'scenarios');
  const files = (await fs.readdir(dir).catch(() => [])).filter((f) => f.endsWith('.mjs')).sort();
  return Promise.all(files.map(async (f) => (await import(path.join(dir, f))).default));
}

function measured(server, requestPath, headers, share = 1) {
  return { url: server.url + requestPath, pid: server.pid, headers, connections: opts.connections, ...length(share) };
}

/**
 * The baseline and the service take turns on one route, `opts.rounds` slices each in the order
 * B S S B B S …, so drift in the machine's load falls on both; each server's slices are merged.
 */
function alternating(service, baseline, scenario, headers) {
  const rounds = Math.max(1, opts.rounds);
  const share = 1 / rounds;
  const slice = (server, who) => ({ ...measured(server, scenario.path, headers, share), group: `${who}:${scenario.name}`, ...(opts.amount ? {} : { duration: Math.max(1, Math.round(opts.duration * share)) }) });
  const runs = [];
  for (let i = 0; i < rounds; i++) {
    const pair = [slice(baseline, 'baseline'), slice(service, 'service')];
    runs.push(...(i % 2 === 0 ? pair : pair.reverse()));
  }
  return runs;
}

/** How long one load lasts: seconds, or (smoke runs) a number of requests scaled by `share`. */
function length(share = 1) {
  return opts.amount ? { amount: Math.ceil(opts.amount * share) } : { duration: opts.duration };
}

/**
 * Logins alone, then `/v1/users/me` at a fixed moderate rate at rest and again while logins run
 * flat out beside it: the difference is what hashing costs everyone else.
 */
async function measureLogin(service, fx, auth) {
  const { url } = service;
  const request = loginRequest(fx);
  const checked = await fetch(url + request.path, { method: request.method, headers: request.headers, body: request.body });
  await checked.arrayBuffer();
  const login = { url: url + request.path, pid: service.pid, method: request.method, headers: request.headers, body: request.body, connections: 8, ...length(0.2) };
  const steady = { url: `${url}/v1/users/me`, pid: service.pid, headers: auth, connections: 10, overallRate: 200, ...length() };
  const [loginAlone, rest] = await loadSeries([login, steady]);
  const alone = { ...loginAlone, check: checked.ok ? 'ok' : `HTTP ${checked.status}` };
  log(`login: ${alone.rps.toFixed(1)} req/s, p50 ${fmt(alone.p50)} ms`);
  // The storm outlasts the steady load by a second so that none of it runs at rest.
  const storm = { ...login, ...(opts.amount ? length(0.2) : { duration: opts.duration + 1 }) };
  const [inStorm, during] = await Promise.all([load(steady), load(storm)]);
  log(`users/me p99 at rest ${fmt(rest.p99)} ms, during a login storm ${fmt(inStorm.p99)} ms`);
  return { alone, rest, storm: inStorm, loginDuringStorm: during };
}

/** A mixed load for `--soak` seconds; RSS is sampled each second to show growth, not just a peak. */
async function soak(service, list, auth) {
  log(`soak for ${opts.soakSeconds} s`);
  const samples = [];
  const timer = setInterval(() => samples.push({ t: (Date.now() - t0) / 1000, rss: service.rss() }), 1000);
  const t0 = Date.now();
  const result = await load({ url: service.url, pid: service.pid, headers: auth, connections: opts.connections, duration: opts.soakSeconds, requests: list.map((s) => ({ path: s.path })) });
  clearInterval(timer);
  await sleep(opts.settleMs);
  const median = (xs) => xs.map((s) => s.rss).sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? null;
  // Growth is measured from the settled level (10-20 % into the soak) to the last tenth.
  const n = samples.length;
  const settled = median(samples.slice(Math.floor(n * 0.1), Math.max(Math.floor(n * 0.2), Math.floor(n * 0.1) + 1)));
  const end = median(samples.slice(Math.floor(n * 0.9)));
  return { seconds: opts.soakSeconds, result, settled, end, after: service.rss(), peak: Math.max(...samples.map((s) => s.rss)), growth: settled ? end / settled - 1 : null, samples };
}

/**
 * A cursor half-way through the workspace. Built directly the way the service signs cursors (a key
 * derived from the JWT secret, the list's scope) and proven by one request; where that no longer
 * matches the service, found by following `next_cursor` from page 1 (minutes at 1M).
 */
async function deepCursor(url, fx, size, headers, say) {
  const target = Math.floor(size / 2);
  const probe = async (cursor) => {
    const res = await fetch(`${url}/v1/users?workspace_id=${fx.workspace_id}&limit=50&cursor=${encodeURIComponent(cursor)}`, { headers });
    const body = res.ok ? await res.json() : undefined;
    return body?.users?.[0]?.username === username(target + 1);
  };
  const { CursorCodec } = await import(dist('common/pagination/cursor.js'));
  const codec = new CursorCodec(createHmac('sha256', secret).update('pagination-cursor-v1').digest());
  const createdAt = new Date(Date.parse('2024-01-01T00:00:00Z') + target * 1000).toISOString();
  const direct = codec.encode([createdAt, benchUserId(target)], JSON.stringify(['users', fx.workspace_id, '']));
  if (await probe(direct)) return direct;

  say(`building the deep cursor directly failed; following next_cursor to member ${target}`);
  for (const limit of [200, 50]) {
    let cursor = null;
    let seen = 0;
    while (seen < target) {
      const query = `workspace_id=${fx.workspace_id}&limit=${Math.min(limit, target - seen)}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res = await fetch(`${url}/v1/users?${query}`, { headers });
      if (!res.ok) break;
      const body = await res.json();
      seen += body.users.length;
      cursor = body.next_cursor;
      if (!cursor) break;
    }
    // A cursor may be bound to the page size it came from: prove it works with the measured one.
    if (cursor && seen >= target && (await probe(cursor))) return cursor;
  }
  say(`no deep cursor for ${size}: the list does not page`);
  return undefined;
}

/** The id the seed gives member `i`: `md5('bench-user-' || i)::uuid`. */
function benchUserId(i) {
  const h = createHash('md5').update(`bench-user-${i}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** One request before the load, so a table of fast 404s cannot pass for a result. */
async function check(url, requestPath, headers, expect) {
  try {
    const res = await fetch(url + requestPath, { headers });
    const body = await res.json().catch(() => undefined);
    if (!res.ok) return `HTTP ${res.status}`;
    if (expect && !expect(body)) return 'unexpected body';
    return 'ok';
  } catch (error) {
    return String(error.message ?? error);
  }
}

function gitCommit() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

/**
 * The figures a reader looks for first, at the top of the JSON: `GET /v1/users/me` at the largest
 * size as ratios to the baseline (req/s and p99), and the service's peak RSS of the whole run.
 */
function headline(r) {
  const largest = r.sizes[r.sizes.length - 1];
  const me = largest?.rows.find((row) => row.scenario === 'users/me' && row.check === 'ok');
  const ratio = (a, b) => (a && b ? Number((a / b).toFixed(3)) : null);
  const peaks = [...r.sizes.map((s) => s.rss?.during ?? 0), r.login?.rssPeak ?? 0, r.soak?.peak ?? 0];
  return {
    ratio_users_me: ratio(me?.service?.rps, me?.baseline?.rps),
    p99_ratio_users_me: ratio(me?.service?.p99, me?.baseline?.p99),
    rss_peak_mb: Math.max(...peaks) || null,
  };
}

function fmt(ms) {
  return ms === null || ms === undefined ? '-' : ms.toFixed(2);
}
