import { spawn } from 'node:child_process';
import path from 'node:path';
import { BENCH } from './paths.mjs';

const WORKER = path.join(BENCH, 'lib', 'cannon-worker.mjs');

/**
 * autocannon runs, one after another, in a separate process; resolves to their summaries in order.
 * Each run takes autocannon's options: `duration` in seconds or `amount` requests, and
 * `overallRate` for an open-loop load at a fixed request rate.
 */
export function loadSeries(runs) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER, JSON.stringify(runs)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (err += b));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon failed (${code}): ${err}`));
      resolve(JSON.parse(out));
    });
  });
}

export const load = async (opts) => (await loadSeries([opts]))[0];
