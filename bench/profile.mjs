// Summarises a V8 .cpuprofile (from `npm run bench -- --cpu-prof`): where the service's CPU went,
// by package and by function, as shares of the samples. `--skip S` leaves out the first S seconds
// (start-up: module loading, migrations). `node bench/profile.mjs FILE [--top N] [--skip S]`.
import { readFileSync } from 'node:fs';

const [file, ...rest] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/profile.mjs FILE.cpuprofile [--top N] [--skip S]');
  process.exit(2);
}
const flag = (name) => (rest.includes(name) ? Number(rest[rest.indexOf(name) + 1]) : undefined);
const top = flag('--top') || 25;
const skipUs = (flag('--skip') ?? 0) * 1e6;
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// Self time per node from the sample stream (each sample counts its time delta).
const self = new Map();
let clock = 0;
profile.samples.forEach((id, i) => {
  clock += profile.timeDeltas[i] ?? 0;
  if (clock >= skipUs) self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
// Shares are of busy time: while the process waits (idle) it costs nothing.
const idle = [...self].filter(([id]) => nodes.get(id).callFrame.functionName === '(idle)').reduce((a, [, t]) => a + t, 0);
for (const [id] of self) if (nodes.get(id).callFrame.functionName === '(idle)') self.delete(id);
const total = [...self.values()].reduce((a, b) => a + b, 0);

const bucket = (n) => {
  const { url, functionName } = n.callFrame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  if (url.startsWith('node:')) return 'node core';
  if (url.includes('/dist/')) return 'service (dist)';
  return url;
};

function functionKey(n) {
  const url = n.callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/');
  return `${n.callFrame.functionName || '(anonymous)'}  ${url}:${n.callFrame.lineNumber + 1}`;
}

const byPackage = new Map();
const byFunction = new Map();
// Inclusive time per function: what a call cost with everything it called.
const byFunctionInclusive = new Map();
// Inclusive time per package: a sample counts once for each package on its stack.
const inclusive = new Map();
for (const [id, t] of self) {
  const n = nodes.get(id);
  byPackage.set(bucket(n), (byPackage.get(bucket(n)) ?? 0) + t);
  const key = functionKey(n);
  byFunction.set(key, (byFunction.get(key) ?? 0) + t);
  const seen = new Set();
  const seenFunctions = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    seen.add(bucket(nodes.get(cur)));
    seenFunctions.add(functionKey(nodes.get(cur)));
  }
  for (const b of seen) inclusive.set(b, (inclusive.get(b) ?? 0) + t);
  for (const f of seenFunctions) byFunctionInclusive.set(f, (byFunctionInclusive.get(f) ?? 0) + t);
}

const pct = (t) => `${((100 * t) / total).toFixed(1).padStart(5)} %`;
const show = (title, map, n) => {
  console.log(`\n${title}`);
  for (const [k, t] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`  ${pct(t)}  ${k}`);
};
console.log(`${file}: ${(total / 1e6).toFixed(1)} s busy, ${(idle / 1e6).toFixed(1)} s idle; shares are of busy time`);
show('self time by package', byPackage, top);
show('inclusive time by package (on the stack)', inclusive, top);
show('self time by function', byFunction, top);
show('inclusive time by function (on the stack)', byFunctionInclusive, top * 2);
