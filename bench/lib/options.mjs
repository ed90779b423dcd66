import { parseArgs } from 'node:util';

/**
 * Command-line options. `--quick` trades the 1M size and long runs for a result in under two
 * minutes; `--smoke` is the few-second run the test suite uses to prove the harness still works.
 */
export function readOptions(argv = process.argv.slice(2)) {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      smoke: { type: 'boolean', default: false },
      sizes: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      rounds: { type: 'string' },
      connections: { type: 'string' },
      soak: { type: 'string' },
      'cpu-prof': { type: 'boolean', default: false },
      only: { type: 'string' },
      env: { type: 'string', multiple: true },
      entry: { type: 'string' },
      'no-login': { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const mode = values.smoke ? 'smoke' : values.quick ? 'quick' : 'full';
  const preset = PRESETS[mode];
  return {
    mode,
    sizes: values.sizes ? values.sizes.split(',').map(parseSize) : preset.sizes,
    duration: values.duration ? Number(values.duration) : preset.duration,
    warmup: values.warmup ? Number(values.warmup) : preset.warmup,
    rounds: values.rounds ? Number(values.rounds) : preset.rounds,
    connections: values.connections ? Number(values.connections) : preset.connections,
    soakSeconds: values.soak ? Number(values.soak) : 0,
    settleMs: preset.settleMs,
    // A fixed number of requests instead of a duration: autocannon's clock ticks in whole seconds.
    amount: preset.amount,
    cpuProf: values['cpu-prof'],
    only: values.only ? values.only.split(',') : undefined,
    login: !values['no-login'],
    entry: values.entry ?? 'dist/main.js',
    serviceEnv: Object.fromEntries((values.env ?? []).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])),
    out: values.out,
  };
}

/**
 * A route both servers answer is measured in `rounds` turns each (baseline, service, service,
 * baseline, …), `duration` seconds in all per server: a machine that slows down or speeds up
 * mid-run then weighs on both alike. The quick run's warm-up (5 s) and length (6 s in 3 turns)
 * give a users/me ratio within 0.05 of the full run's (bench/README.md).
 */
const PRESETS = {
  full: { sizes: [10_000, 100_000, 1_000_000], duration: 10, warmup: 5, rounds: 5, connections: 50, settleMs: 2000 },
  quick: { sizes: [10_000, 100_000], duration: 6, warmup: 5, rounds: 3, connections: 50, settleMs: 1000 },
  smoke: { sizes: [200], duration: 1, warmup: 0, rounds: 1, connections: 4, settleMs: 100, amount: 40 },
};

function parseSize(text) {
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(text.trim());
  if (!m) throw new Error(`bad size ${text}`);
  return Math.round(Number(m[1]) * { '': 1, k: 1e3, m: 1e6 }[m[2].toLowerCase()]);
}

const HELP = `npm run bench -- [options]
  --quick            10k and 100k users, 5 s warm-up, 6 s per scenario in 3 alternating turns
  --smoke            a tiny run that only proves the harness works
  --sizes 10k,1m     workspace sizes to measure (default 10k,100k,1m)
  --duration S       seconds per measured scenario (default 10)
  --warmup S         seconds of warm-up per server and size (default 5)
  --rounds N         turns the service and the baseline take on a shared route (default 5)
  --connections N    autocannon connections for throughput scenarios (default 50)
  --soak S           after the sizes, run a mixed load for S seconds and report RSS growth
  --cpu-prof         start the service with --cpu-prof (profiles land in bench/results/profiles/;
                     summarise one with node bench/profile.mjs FILE)
  --only a,b         only the scenarios whose names contain one of these (e.g. --only users/me)
  --no-login         skip the login and login-storm scenarios
  --env K=V          extra environment for the service (repeatable), e.g. --env LOG_LEVEL=silent
  --entry FILE       the service's entry point (default dist/main.js): a copy of another build
                     inside the repository, to compare two builds on the same machine
  --out FILE         where to write the JSON (default bench/results/<timestamp>.json)
PostgreSQL: DATABASE_URL (a server the bench may create a database on), else an embedded one.`;
