// Runs autocannon loads, one after another, in a process of its own, so the load generator never
// shares an event loop with the runner or a server; prints their summaries as JSON on stdout.
// Latencies are kept here at full resolution: autocannon's own histogram rounds them to whole
// milliseconds, too coarse for routes that answer in one or two.
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

const runs = JSON.parse(process.argv[2]);
const results = [];
for (const opts of runs) results.push(await run(opts));
process.stdout.write(JSON.stringify(results));

async function run({ pid, ...opts }) {
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  const statuses = {};
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
  const sorted = latencies.subarray(0, count).sort();
  const pct = (p) => (count ? sorted[Math.min(count - 1, Math.ceil((p / 100) * count) - 1)] : null);
  return {
    requests: result.requests.total,
    rps: result.requests.total / result.duration,
    p50: pct(50),
    p90: pct(90),
    p99: pct(99),
    max: count ? sorted[count - 1] : null,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statuses,
    duration: result.duration,
    // The server's own CPU time per request: steadier than req/s on a machine shared with others.
    cpuUsPerRequest: pid && result.requests.total ? (cpu * 1e6) / result.requests.total : null,
  };
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
