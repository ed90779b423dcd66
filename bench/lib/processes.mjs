import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../dist/database/embedded-postgres.js';
import { BENCH, ROOT } from './paths.mjs';

export { freePort };

/**
 * Starts a server as its own process with stdout going to /dev/null (as production logs would go
 * to a collector, not a terminal), and waits until it answers.
 */
export async function startProcess(name, args, env, { readyPath, nodeArgs = [], command = process.execPath }) {
  const port = await freePort();
  const child = spawn(command, [...nodeArgs, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (b) => {
    if (stderr.length < 20_000) stderr += b;
  });
  const url = `http://127.0.0.1:${port}`;
  let stopping = false;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.once('exit', (code, signal) => {
    // A server that dies mid-run must say why, or the run only reports refused connections.
    if (!stopping) process.stderr.write(`[bench] ${name} exited unexpectedly (code ${code}, signal ${signal})\n${stderr.slice(-4000)}\n`);
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}) before it was ready:\n${stderr}`);
    if (Date.now() > deadline) {
      stopping = true;
      child.kill('SIGKILL');
      throw new Error(`${name} was not ready within 60 s:\n${stderr}`);
    }
    if (await answers(`${url}${readyPath}`)) break;
    await sleep(100);
  }
  return {
    name,
    url,
    pid: child.pid,
    rss: () => rssOf(child.pid),
    async stop() {
      stopping = true;
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * The service as `npm start` runs it: through scripts/serve.sh, which sizes its memory and then
 * becomes the Node process (same pid, so CPU and RSS are read from the right process).
 */
export const startService = (env, { cpuProfDir, entry = 'dist/main.js' } = {}) =>
  startProcess('service', [path.join(ROOT, 'scripts', 'serve.sh'), entry], {
    ...env,
    ...(cpuProfDir ? { NODE_ARGS: `--cpu-prof --cpu-prof-dir=${cpuProfDir}` } : {}),
  }, { readyPath: '/health/ready', command: '/bin/sh' });

export const startBaseline = (env) => startProcess('baseline', [path.join(BENCH, 'baseline.mjs')], env, { readyPath: '/health' });

/** Resident set size in MB, read from /proc (Linux), or null where that is not available. */
export function rssOf(pid) {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return Number.isFinite(kb) ? kb / 1024 : null;
  } catch {
    return null;
  }
}

/** Samples a process's RSS in the background; `stop()` returns the peak seen. */
export function sampleRss(proc, everyMs = 200) {
  let peak = proc.rss() ?? 0;
  const samples = [];
  const timer = setInterval(() => {
    const v = proc.rss();
    if (v === null) return;
    samples.push(v);
    if (v > peak) peak = v;
  }, everyMs);
  return {
    samples,
    stop() {
      clearInterval(timer);
      return peak;
    },
  };
}

async function answers(url) {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/**
 * A port free on the loopback interface at the time of asking.
 * @returns {Promise<number>}
 */
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
