import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../dist/database/embedded-postgres.js';

export interface RunningPgBouncer {
  /** The same URL with PgBouncer's address in place of the server's (same database, same user). */
  pooled(serverUrl: string): string;
  stop(): Promise<void>;
}


/**
 * Debian's PgBouncer in transaction pooling mode in front of `serverUrl`'s server, on a free
 * loopback port with an ini of its own in a temp folder. Clients log in without a password (trust)
 * as the server URL's user; PgBouncer logs in to the server with that URL's credentials.
 * `serverConnections` small makes consecutive transactions of one client land on different
 * server connections, which is what breaks code that relies on session state.
 */
export async function startPgBouncer(serverUrl: string, options: { serverConnections?: number } = {}): Promise<RunningPgBouncer> {
  const server = new URL(serverUrl);
  const user = decodeURIComponent(server.username || 'postgres');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'identity-pgbouncer-'));
  await fs.chmod(dir, 0o777);
  const port = await freePort();
  const password = server.password ? ` password=${decodeURIComponent(server.password)}` : '';
  const ini = [
    '[databases]',
    `* = host=${server.hostname} port=${server.port || 5432} user=${user}${password}`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    'unix_socket_dir =',
    'auth_type = trust',
    `auth_file = ${path.join(dir, 'users.txt')}`,
    'pool_mode = transaction',
    `default_pool_size = ${options.serverConnections ?? 4}`,
    'max_client_conn = 1000',
    `admin_users = ${user}`,
    'max_db_connections = 0',
    // node-pg sends this one when it connects; PgBouncer would refuse the login otherwise.
    'ignore_startup_parameters = extra_float_digits',
    `logfile = ${path.join(dir, 'pgbouncer.log')}`,
    `pidfile = ${path.join(dir, 'pgbouncer.pid')}`,
  ].join('\n');
  await fs.writeFile(path.join(dir, 'users.txt'), `"${user}" ""\n`, { mode: 0o644 });
  await fs.writeFile(path.join(dir, 'pgbouncer.ini'), `${ini}\n`, { mode: 0o644 });
  // PgBouncer will not run as root; it drops to the postgres user when told to.
  const args = [...(process.getuid?.() === 0 ? ['-u', 'postgres'] : []), path.join(dir, 'pgbouncer.ini')];
  const child = spawn(process.env.PGBOUNCER ?? '/usr/sbin/pgbouncer', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  await listening(port, child, () => stderr);
  return {
    pooled(url: string) {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      u.password = '';
      return u.toString();
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGINT');
        await new Promise((resolve) => child.once('exit', resolve));
      }
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}

async function listening(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`pgbouncer exited (${child.exitCode}): ${stderr()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`pgbouncer did not listen on ${port}: ${stderr()}`);
}
