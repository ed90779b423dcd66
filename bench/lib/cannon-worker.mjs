// Runs autocannon loads, one after another, in a process of its own, so the load generator never
// shares an event loop with the runner or a server; prints their summaries as JSON on stdout.
// Latencies are kept here at full resolution: autocannon's own histogram rounds them to whole
// milliseconds, too coarse for routes that answer in one or two.
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { treeCpuSeconds } from './proc-cpu.mjs';

// Runs that share a `group` are slices of one measurement (the service and the baseline take
// turns): they are merged into one summary, at the position of the group's first slice. A run's
// `trees` ({ name: pid }) names servers, such as a PostgreSQL postmaster, whose CPU with that of
// their child processes is read around the run and reported per request under `treeCpuUsPerRequest`.
const runs = JSON.parse(process.argv[2]);
const slices = [];
for (const opts of runs) slices.push(await run(opts));
process.stdout.write(JSON.stringify(mergeGroups(runs, slices)));

function mergeGroups(specs, measured) {
  const out = [];
  const byGroup = new Map();
  specs.forEach((spec, i) => {
    if (spec.group === undefined) return out.push([measured[i]]);
    if (!byGroup.has(spec.group)) out.push(byGroup.set(spec.group, []).get(spec.group));
    byGroup.get(spec.group).push(measured[i]);
  });
  return out.map((parts) => summarize(parts));
}

function summarize(parts) {
  const sum = (key) => parts.reduce((a, p) => a + p[key], 0);
  const latencies = new Float64Array(sum('count'));
  let at = 0;
  for (const p of parts) latencies.set(p.latencies.subarray(0, p.count), (at += p.count) - p.count);
  const count = latencies.length;
  const sorted = latencies.sort();
  const pct = (q) => (count ? sorted[Math.min(count - 1, Math.ceil((q / 100) * count) - 1)] : null);
  const statuses = {};
  for (const p of parts) for (const [k, v] of Object.entries(p.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  const requests = sum('requests');
  const cpu = sum('cpu');
  return {
    requests,
    rps: requests / sum('duration'),
    p50: pct(50),
    p90: pct(90),
    p99: pct(99),
    max: count ? sorted[count - 1] : null,
    ok: sum('ok'),
    non2xx: sum('non2xx'),
    errors: sum('errors'),
    timeouts: sum('timeouts'),
    statuses,
    duration: sum('duration'),
    slices: parts.length,
    // The server's own CPU time per request: steadier than req/s on a machine shared with others.
    cpuUsPerRequest: parts[0].pid && requests ? (cpu * 1e6) / requests : null,
    ...(parts[0].trees ? { treeCpuUsPerRequest: perRequest(parts, requests) } : {}),
  };
}

function perRequest(parts, requests) {
  const out = {};
  for (const name of Object.keys(parts[0].trees)) {
    const seconds = parts.reduce((a, p) => a + (p.trees?.[name] ?? NaN), 0);
    out[name] = requests && Number.isFinite(seconds) ? (seconds * 1e6) / requests : null;
  }
  return out;
}

async function run({ pid, trees, group: _group, ...opts }) {
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  const statuses = {};
  const treesBefore = trees && readTrees(trees);
  // A short sample interval lets a run end as soon as its duration or amount is reached.
  const instance = autocannon({ sampleInt: 100, ...opts });
  instance.on('response', (_client, status, _bytes, ms) => {
    statuses[status] = (statuses[status] ?? 0) + 1;
    if (status < 200 || status > 299) return;
    if (count === latencies.length) {
      const bigger = new Float64Array(latencies.length * 2);
      bigger.set(latencies);
      latencies = bigger;
    }
    latencies[count++] = ms;
  });
  const cpuBefore = cpuSeconds(pid);
  const result = await instance;
  const cpu = cpuSeconds(pid) - cpuBefore;
  const treesAfter = trees && readTrees(trees);
  return {
    pid,
    latencies,
    count,
    statuses,
    cpu,
    trees: trees && Object.fromEntries(Object.keys(trees).map((name) => [name, treesAfter[name] - treesBefore[name]])),
    requests: result.requests.total,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    duration: result.duration,
  };
}

function readTrees(trees) {
  return Object.fromEntries(Object.entries(trees).map(([name, pid]) => [name, treeCpuSeconds(pid)]));
}

/** utime + stime of a process, from /proc (Linux); NaN elsewhere. */
function cpuSeconds(pid) {
  if (!pid) return NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}
