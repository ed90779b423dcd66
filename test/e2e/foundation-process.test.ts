import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopStaleServer } from '../../dist/database/embedded-postgres.js';

// `node dist/main.js` as an operator runs it: its exit codes, its messages, its signals.
const MAIN = path.resolve('dist/main.js');

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

const children: ChildProcess[] = [];

function run(env: Record<string, string>): Run {
  const child = spawn(process.execPath, [MAIN], { env: { PATH: process.env.PATH!, LOG_LEVEL: 'silent', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  children.push(child);
  return { child, stdout: () => out, stderr: () => err, exited };
}

// Starting a process with its own PostgreSQL takes seconds, many more on a busy machine.
const SLOW = { timeout: 120_000 };

async function listening(r: Run): Promise<URL> {
  for (let i = 0; i < 2000; i++) {
    const match = /listening on (http:\/\/[\d.]+:\d+)/.exec(r.stdout());
    if (match) return new URL(match[1]);
    if (r.child.exitCode !== null) break;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`did not start: ${r.stdout()} ${r.stderr()}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('configuration errors stop the start with a clear message', () => {
  it.each([
    [{ PORT: 'eighty' }, 'Invalid configuration: PORT must be an integer from 0 to 65535 (got "eighty")'],
    [{ BODY_LIMIT: 'huge' }, 'Invalid configuration: BODY_LIMIT must be a size such as 1048576, 512kb or 1mb (got "huge")'],
    [{ NODE_ENV: 'production', JWT_SECRET: 'change-me', DATABASE_URL: 'postgres://x@127.0.0.1:1/x' }, 'Invalid configuration: JWT_SECRET must be a real secret'],
    [{ NODE_ENV: 'production', DATABASE_URL: 'postgres://x@127.0.0.1:1/x' }, 'Invalid configuration: JWT_SECRET is required in production'],
  ])('%j', { concurrent: true }, async (env, message) => {
    const r = run(env);
    expect(await r.exited).toBe(1);
    const line = JSON.parse(r.stderr().trim().split('\n').pop()!);
    expect(line.level).toBe(60); // pino's fatal
    expect(line.msg.startsWith(message)).toBe(true);
    expect(r.stderr()).not.toMatch(/\n\s+at /); // a message for an operator, not a stack trace
  });
});

describe('graceful shutdown', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'identity-shutdown-'));
    await fs.chmod(dataDir, 0o755);
  });
  afterAll(async () => {
    // Whatever happened above, leave no process behind.
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await stopStaleServer(path.join(dataDir, 'pg'));
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('on SIGTERM finishes the request in flight, then stops the embedded server and exits 0', SLOW, async () => {
    const r = run({ DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1' });
    const url = await listening(r);
    const postgresPid = Number(readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    expect(alive(postgresPid)).toBe(true);

    // A readiness check (a database round trip) whose body is still arriving when SIGTERM comes.
    const socket = net.connect(Number(url.port), url.hostname);
    await new Promise((resolve) => socket.once('connect', resolve));
    let response = '';
    socket.on('data', (c: Buffer) => (response += c.toString()));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    const body = '{"probe": "slow"}';
    socket.write(`GET /health/ready HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`);
    await new Promise((res) => setTimeout(res, 200));
    r.child.kill('SIGTERM');
    await new Promise((res) => setTimeout(res, 500));

    expect(r.child.exitCode).toBeNull(); // still draining
    const refused = await new Promise((resolve) => net.connect(Number(url.port), url.hostname).once('connect', () => resolve(false)).once('error', () => resolve(true)));
    expect(refused).toBe(true); // no new connections meanwhile
    socket.write(body.slice(5));

    expect(await r.exited).toBe(0);
    await closed; // the keep-alive connection was closed once idle
    expect(response).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(response).toContain('"status":"ok"');
    expect(alive(postgresPid)).toBe(false);
    expect(existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
    expect(r.stdout()).toContain('SIGTERM received, draining');
  });
});
