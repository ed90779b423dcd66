import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataSourceOptions } from '../../dist/database/data-source.options.js';
import { EmbeddedPostgres } from '../../dist/database/embedded-postgres.js';
import { buildWorld, type World } from '../e2e/access-fixtures.js';
import { agentCall, startLoad, type Outcome } from './load.js';
import { ServiceProcess } from './service-process.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const OUTAGE_MS = 15_000;

/**
 * The database stopped for 15 s under modest load (20 keep-alive connections reading, 5 writes a
 * second), with the service run as an operator runs it: what it writes to its log meanwhile must
 * stay a handful of lines that say what happened, not one line (and a stack) per refused request.
 */
describe('faults: the log of a database outage', () => {
  let dataDir: string;
  let pg: EmbeddedPostgres;
  let service: ServiceProcess | undefined;
  let w: World;
  const log = { lines: [] as string[], count: 0, bytes: 0, partial: '' };

  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'identity-outage-log-'));
    await fs.chmod(dataDir, 0o755);
    pg = new EmbeddedPostgres({ dataDir });
    const databaseUrl = await pg.start();
    service = new ServiceProcess({ DATABASE_URL: databaseUrl, DB_POOL_SIZE: '10', LOG_LEVEL: 'warn', LOG_OUTAGE_SUMMARY_SECONDS: '10' });
    await service.listening();
    const db = await new DataSource(dataSourceOptions({ url: databaseUrl, poolSize: 2 })).initialize();
    w = await buildWorld(db);
    await db.destroy();
    service.child.stdout!.on('data', (chunk: Buffer) => {
      log.bytes += chunk.length;
      const text = log.partial + chunk.toString();
      const lines = text.split('\n');
      log.partial = lines.pop()!;
      log.count += lines.length;
      // Kept up to a bound: a regression must fail the count, not exhaust the test's memory.
      log.lines.push(...lines.slice(0, Math.max(0, 100_000 - log.lines.length)));
    });
  }, 120_000);
  afterAll(async () => {
    service?.kill('SIGKILL');
    await pg?.stop();
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('logs the transition once each way, a summary every interval, sampled request lines at warn, no stacks', async () => {
    const base = (await service!.listening()).replace(/\/$/, '');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 25 });
    const auth = { authorization: `Bearer ${w.users.platform.token}` };
    const reads = startLoad(20, () => agentCall(agent, 'GET me', `${base}/v1/users/me`, { headers: auth }));
    const writes: Promise<Outcome>[] = [];
    const writer = setInterval(() => {
      const body = JSON.stringify({ name: `Outage ${Date.now()}` });
      writes.push(agentCall(agent, 'PATCH org', `${base}/v1/orgs/${w.orgId}`, { method: 'PATCH', headers: { ...auth, 'content-type': 'application/json' }, body }));
    }, 200);
    await sleep(1_000);
    const before = { lines: log.lines.length, count: log.count, bytes: log.bytes };
    await pg.stop();
    await sleep(OUTAGE_MS);
    await pg.start();
    const back = Date.now();
    while (Date.now() - back < 20_000 && !reads.outcomes.some((o) => o.started > back && o.status === 200)) await sleep(100);
    await sleep(1_000);
    clearInterval(writer);
    const outcomes = [...(await reads.stop()), ...(await Promise.all(writes))];
    agent.destroy();
    const lines = log.lines.slice(before.lines);
    if (process.env.SHOW_OUTAGE_LOG) console.log(lines.join("\n"));
    const count = log.count - before.count;
    console.log(`outage log: ${count} lines, ${log.bytes - before.bytes} bytes for ${outcomes.filter((o) => o.status === 503).length} requests answered 503`);

    expect(outcomes.filter((o) => o.error || (o.status !== 200 && o.status !== 503)).map((o) => `${o.op}: ${o.status ?? o.error}`)).toEqual([]);
    const refused = outcomes.filter((o) => o.status === 503).length;
    expect(refused).toBeGreaterThan(100);
    expect(count).toBeLessThanOrEqual(40);
    const entries = lines.map((l) => JSON.parse(l) as Record<string, any>);
    expect(lines.join('\n')).not.toContain('"stack"');

    const down = entries.filter((e) => e.msg === 'database unavailable');
    expect(down).toHaveLength(1);
    expect(down[0]).toMatchObject({ level: 50, error: { code: expect.any(String), message: expect.any(String) } });
    const up = entries.filter((e) => /^database available again/.test(e.msg));
    expect(up).toHaveLength(1);
    expect(up[0].msg).toMatch(/^database available again after \d+ s \(\d+ requests refused\)$/);
    expect(up[0]).toMatchObject({ level: 40, refused: refused });
    expect(up[0].down_seconds).toBeGreaterThanOrEqual(OUTAGE_MS / 1000 - 1);
    expect(up[0].down_seconds).toBeLessThan(OUTAGE_MS / 1000 + 10);

    const summaries = entries.filter((e) => e.msg === 'database still unavailable');
    expect(summaries.length).toBeGreaterThanOrEqual(1);
    expect(summaries.length).toBeLessThanOrEqual(2);
    for (const s of summaries) expect(s).toMatchObject({ level: 40, refused: expect.any(Number), refused_total: expect.any(Number), last_error: { message: expect.any(String) } });

    const requestLines = entries.filter((e) => e.res?.statusCode === 503);
    expect(requestLines.length).toBeGreaterThan(0);
    for (const r of requestLines) expect(r).toMatchObject({ level: 40, msg: 'request refused: database unavailable', req: { id: expect.any(String) } });
    expect(entries.filter((e) => e.level >= 50 && e !== down[0])).toEqual([]);

    const metrics = await (await fetch(`${base}/metrics`)).text();
    const counted = [...metrics.matchAll(/^db_refused_requests_total\{cause="([^"]+)"\} (\d+)$/gm)];
    expect(counted.length).toBeGreaterThan(0);
    expect(counted.reduce((sum, m) => sum + Number(m[2]), 0)).toBe(refused);
  }, 90_000);
});
