// `node bench/floor.mjs`: what `GET /health/live` costs in CPU per request on each layer the
// service is built on (node:http, Express 5, NestJS 12), so that the service's own figure (in the
// main bench's `liveness` row) can be read against them. See bench/README.md.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadSeries } from './lib/load.mjs';
import { BENCH } from './lib/paths.mjs';
import { startProcess } from './lib/processes.mjs';

const { values } = parseArgs({ options: { duration: { type: 'string', default: '8' }, rounds: { type: 'string', default: '2' }, connections: { type: 'string', default: '50' } } });
const duration = Number(values.duration);
const rounds = Number(values.rounds);
const connections = Number(values.connections);
const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);

const servers = [];
try {
  for (const name of ['node-http', 'express', 'nest']) {
    servers.push(await startProcess(name, [path.join(BENCH, 'floor', `${name}.mjs`)], { NODE_ENV: 'production' }, { readyPath: '/health/live' }));
  }
  const runs = [];
  for (const s of servers) runs.push({ url: `${s.url}/health/live`, connections, duration: 3 });
  const warmups = runs.length;
  // Turns in rotating order, each server's slices merged: a load change mid-run weighs on all.
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < servers.length; i++) {
      const s = servers[(i + r) % servers.length];
      runs.push({ url: `${s.url}/health/live`, pid: s.pid, connections, duration: Math.max(1, Math.round(duration / rounds)), group: s.name });
    }
  }
  const figures = (await loadSeries(runs)).slice(warmups);
  const byName = Object.fromEntries(servers.map((s, i) => [s.name, figures[i]]));
  const result = Object.fromEntries(
    Object.entries(byName).map(([name, f]) => [name, { rps: Math.round(f.rps), p50_ms: f.p50, p99_ms: f.p99, cpu_us_per_request: Math.round(f.cpuUsPerRequest), non2xx: f.non2xx + f.errors }]),
  );
  for (const [name, f] of Object.entries(result)) log(`${name}: ${f.rps} req/s, ${f.cpu_us_per_request} µs of CPU per request`);
  process.stdout.write(`${JSON.stringify({ route: 'GET /health/live', connections, duration, rounds, servers: result }, null, 2)}\n`);
} finally {
  for (const s of servers) await s.stop();
}
