// npm run db:psql [-- psql arguments]: psql on the database the service uses. With DATABASE_URL
// that one; else the running embedded server, found through its pid file (its port) and the
// password kept next to its data.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

if (existsSync('.env')) process.loadEnvFile('.env');
const args = process.argv.slice(2);
const env = { ...process.env };
let target = process.env.DATABASE_URL ? [process.env.DATABASE_URL] : undefined;
if (!target) {
  const { embeddedDataDir } = await import('../dist/database/data-dir.js');
  const dataDir = path.resolve(embeddedDataDir(process.env.DATA_DIR || './data', !!process.env.DATA_DIR));
  const pidFile = path.join(dataDir, 'pg', 'postmaster.pid');
  if (!existsSync(pidFile)) fail(`no embedded PostgreSQL is running on ${dataDir}: start the service first (npm start)`);
  const port = readFileSync(pidFile, 'utf8').split('\n')[3];
  env.PGPASSWORD = readFileSync(path.join(dataDir, 'pg-password'), 'utf8').trim();
  target = ['-h', '127.0.0.1', '-p', port, '-U', 'postgres', 'postgres'];
}
const psql = spawnSync('psql', [...target, ...args], { stdio: 'inherit', env });
if (psql.error) fail(`psql could not run (${psql.error.code}): install the PostgreSQL client, e.g. apt-get install -y postgresql-client`);
process.exit(psql.status ?? 1);

function fail(message) {
  console.error(message);
  process.exit(1);
}
