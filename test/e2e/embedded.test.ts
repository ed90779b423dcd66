import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopStaleServer } from '../../dist/database/embedded-postgres.js';
import { startServer } from '../../dist/server.js';

const MAIN = path.resolve('dist/main.js');
const children: ChildProcess[] = [];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function postmasterPid(dataDir: string): number | undefined {
  const file = path.join(dataDir, 'pg', 'postmaster.pid');
  return existsSync(file) ? Number(readFileSync(file, 'utf8').split('\n')[0]) : undefined;
}

// Each test starts PostgreSQL servers and the service more than once: seconds, more on a busy machine.
const SLOW = { timeout: 120_000 };

/** Everything the two-command start uses, minus a database: the embedded default. */
const env = (dataDir: string) => ({ NODE_ENV: 'development', DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', PATH: process.env.PATH });

describe('embedded PostgreSQL by default (no DATABASE_URL)', () => {
  let root: string;
  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'identity-embedded-'));
    await fs.chmod(root, 0o755); // the server runs as `postgres` when the tests run as root
  });
  afterAll(async () => {
    // Whatever happened above, leave no process behind.
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await stopStaleServer(path.join(root, 'restart', 'pg'));
    await fs.rm(root, { recursive: true, force: true });
  });

  it('starts, keeps its data under DATA_DIR, and finds it again after a restart', SLOW, async () => {
    const dataDir = path.join(root, 'restart');
    const first = await startServer(env(dataDir));
    try {
      expect(first.embedded).toBeDefined();
      expect((await fetch(`${first.url}/health/ready`)).status).toBe(200);
      const db = first.app.get(DataSource);
      await db.query('CREATE TABLE kept (note text)');
      await db.query("INSERT INTO kept VALUES ('still here')");
    } finally {
      await first.close();
    }
    expect(postmasterPid(dataDir)).toBeUndefined(); // the server stopped with the service

    const second = await startServer(env(dataDir));
    try {
      const db = second.app.get(DataSource);
      expect(await db.query('SELECT note FROM kept')).toEqual([{ note: 'still here' }]);
      const applied = await db.query('SELECT count(*)::int AS n FROM migrations');
      expect(applied[0].n).toBeGreaterThan(0);
      expect((await fetch(`${second.url}/health/ready`)).status).toBe(200);
      // The development token secret is generated once and kept next to the data.
      expect(second.config.jwt.secret).toBe(first.config.jwt.secret);
    } finally {
      await second.close();
    }
  });

  it('stops a server left behind by a killed process and starts on the same data', SLOW, async () => {
    const dataDir = path.join(root, 'restart'); // initialised above: saves an initdb
    const child = spawn(process.execPath, [MAIN], { env: env(dataDir), stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('listening on')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`exited early (${code}): ${out}`)));
    });
    const stale = postmasterPid(dataDir)!;
    expect(alive(stale)).toBe(true);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(alive(stale)).toBe(true); // SIGKILL gives no chance to stop it

    const server = await startServer(env(dataDir));
    try {
      expect(alive(stale)).toBe(false);
      expect((await fetch(`${server.url}/health/ready`)).status).toBe(200);
      expect(postmasterPid(dataDir)).not.toBe(stale);
    } finally {
      await server.close();
    }
  });
});
