import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { postgresUser } from '../../dist/database/embedded-postgres.js';
import { freePort } from './pgbouncer.js';

/** The machine's PostgreSQL binaries (Debian's /usr/lib/postgresql/<version>/bin), newest first. */
function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'pg_basebackup'))) : [];
  if (!versions.length) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)');
  return path.join(root, versions.sort((a, b) => Number(b) - Number(a))[0], 'bin');
}

export interface PgNode {
  port: number;
  /** postgres://postgres@127.0.0.1:<port>/<database> */
  url(database?: string): string;
  stop(): Promise<void>;
}

export interface PgCluster {
  primary: PgNode;
  replica: PgNode;
  close(): Promise<void>;
}

/**
 * A primary and a streaming replica of it, each in a temp folder on a free loopback port, trust
 * authentication. The replica is a `pg_basebackup -R` of the primary and applies what it receives
 * `applyDelay` late (`recovery_min_apply_delay`), so that "behind" is seconds, not microseconds.
 */
export async function startPgCluster(options: { applyDelay?: string } = {}): Promise<PgCluster> {
  const bin = binDir();
  const runAs = postgresUser();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'identity-pg-cluster-'));
  await fs.chmod(dir, 0o777);
  const exec = (tool: string, args: string[]) => run(path.join(bin, tool), args, runAs);
  const primaryDir = path.join(dir, 'primary');
  const replicaDir = path.join(dir, 'replica');
  await exec('initdb', ['-D', primaryDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  const primary = await startNode(exec, primaryDir, dir, ['-c', 'fsync=off', '-c', 'wal_level=replica', '-c', 'max_wal_senders=4']);
  await exec('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', replicaDir, '-R', '-X', 'stream', '--no-sync']);
  await fs.appendFile(path.join(replicaDir, 'postgresql.auto.conf'), `recovery_min_apply_delay = '${options.applyDelay ?? '2s'}'\n`);
  const replica = await startNode(exec, replicaDir, dir, ['-c', 'fsync=off', '-c', 'hot_standby=on']);
  return {
    primary,
    replica,
    async close() {
      await replica.stop();
      await primary.stop();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

type Exec = (tool: string, args: string[]) => Promise<void>;

async function startNode(exec: Exec, dataDir: string, socketDir: string, settings: string[]): Promise<PgNode> {
  const port = await freePort();
  const opts = ['-p', String(port), '-k', socketDir, '-c', 'listen_addresses=127.0.0.1', ...settings].join(' ');
  await exec('pg_ctl', ['-D', dataDir, '-l', `${dataDir}.log`, '-o', opts, '-w', '-t', '60', 'start']);
  let stopped = false;
  return {
    port,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async stop() {
      if (stopped) return;
      stopped = true;
      await exec('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
    },
  };
}

function run(command: string, args: string[], runAs?: { uid: number; gid: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...runAs, cwd: os.tmpdir(), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(command)} ${args.join(' ')} failed (${code}): ${output}`))));
  });
}
