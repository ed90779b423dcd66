// A primary and a streaming replica on the machine's PostgreSQL binaries, for the replica tests
// (test/support/pg-cluster.ts re-exports this module with its types) and `bench/replicas.mjs`.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { postgresUser } from '../../dist/database/embedded-postgres.js';
import { freePort } from './processes.mjs';

/**
 * @typedef {object} PgNode
 * @property {number} port
 * @property {string} dataDir The server's data directory (its postmaster.pid names the postmaster).
 * @property {(database?: string) => string} url postgres://postgres@127.0.0.1:<port>/<database>
 * @property {() => number | null} pid The postmaster's process id while the server runs, else null.
 * @property {() => Promise<void>} stop
 */

/**
 * @typedef {object} PgCluster
 * @property {PgNode} primary
 * @property {PgNode} replica
 * @property {() => Promise<void>} close
 */

/** @typedef {{ uid: number, gid: number } | undefined} RunAs */
/** @typedef {(tool: string, args: string[]) => Promise<void>} Exec */

/**
 * The machine's PostgreSQL binaries (Debian's /usr/lib/postgresql/<version>/bin), newest first.
 * @returns {string}
 */
function binDir() {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'pg_basebackup'))) : [];
  if (!versions.length) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql (apt-get install postgresql)');
  return path.join(root, versions.sort((a, b) => Number(b) - Number(a))[0], 'bin');
}

/**
 * A primary and a streaming replica of it, each in a temp folder on a free loopback port, trust
 * authentication. The replica is a `pg_basebackup -R` of the primary and applies what it receives
 * `applyDelay` late (`recovery_min_apply_delay`, default 2s), so that "behind" is seconds, not
 * microseconds; an `applyDelay` of 0 leaves the setting out and the replica applies at once.
 * @param {{ applyDelay?: string | number }} [options]
 * @returns {Promise<PgCluster>}
 */
export async function startPgCluster(options = {}) {
  const bin = binDir();
  const runAs = postgresUser();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'identity-pg-cluster-'));
  await fs.chmod(dir, 0o777);
  /** @type {Exec} */
  const exec = (tool, args) => run(path.join(bin, tool), args, runAs);
  const primaryDir = path.join(dir, 'primary');
  const replicaDir = path.join(dir, 'replica');
  // C.UTF-8 like the machine's own server: lower() and ILIKE fold Unicode case, as the service expects.
  await exec('initdb', ['-D', primaryDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C.UTF-8']);
  const primary = await startNode(exec, primaryDir, dir, ['-c', 'fsync=off', '-c', 'wal_level=replica', '-c', 'max_wal_senders=4']);
  try {
    await exec('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', replicaDir, '-R', '-X', 'stream', '--no-sync']);
    const delay = options.applyDelay ?? '2s';
    if (delay !== 0 && delay !== '0') await fs.appendFile(path.join(replicaDir, 'postgresql.auto.conf'), `recovery_min_apply_delay = '${delay}'\n`);
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
  } catch (error) {
    await primary.stop();
    await fs.rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * @param {Exec} exec
 * @param {string} dataDir
 * @param {string} socketDir
 * @param {string[]} settings
 * @returns {Promise<PgNode>}
 */
async function startNode(exec, dataDir, socketDir, settings) {
  const port = await freePort();
  const opts = ['-p', String(port), '-k', socketDir, '-c', 'listen_addresses=127.0.0.1', ...settings].join(' ');
  await exec('pg_ctl', ['-D', dataDir, '-l', `${dataDir}.log`, '-o', opts, '-w', '-t', '60', 'start']);
  let stopped = false;
  return {
    port,
    dataDir,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    pid() {
      if (stopped) return null;
      try {
        const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
        return Number.isInteger(pid) && pid > 0 ? pid : null;
      } catch {
        return null;
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await exec('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
    },
  };
}

/**
 * @param {string} command
 * @param {string[]} args
 * @param {RunAs} [runAs]
 * @returns {Promise<void>}
 */
function run(command, args, runAs) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...runAs, cwd: os.tmpdir(), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let output = '';
    child.stdout.on('data', (/** @type {Buffer} */ c) => (output += c.toString()));
    child.stderr.on('data', (/** @type {Buffer} */ c) => (output += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(command)} ${args.join(' ')} failed (${code}): ${output}`))));
  });
}
