import { createHash } from 'node:crypto';
import path from 'node:path';
import { ConfigError } from '../config/parsers.js';
import { firstUntraversable, postgresUser } from './embedded-postgres.js';

/** Parent of the per-checkout data folders used when the default `./data` is out of reach. */
export const SYSTEM_DATA_ROOT = '/var/lib/identity-service';

/**
 * The folder the embedded server keeps its data in. As root the server runs as `postgres`, which
 * must be able to enter every directory on the way there: a checkout under a private home (`/root`,
 * a `mktemp -d` folder) blocks it. Left at its default, the data then goes to a folder of this
 * checkout under /var/lib (stable across restarts and reboots, unlike a temp dir); a DATA_DIR that
 * was set on purpose is not moved behind the operator's back but refused, naming one that works.
 */
export function embeddedDataDir(dataDir: string, explicit: boolean): string {
  const runAs = postgresUser();
  if (!runAs) return dataDir;
  const blocked = firstUntraversable(path.resolve(dataDir), runAs);
  if (!blocked) return dataDir;
  const reachable = checkoutDataDir(dataDir);
  if (!explicit) return reachable;
  throw new ConfigError(
    'DATA_DIR',
    `${dataDir} is not reachable by the "postgres" user the embedded database runs as (no search permission on ${blocked}); use e.g. DATA_DIR=${reachable}`,
  );
}

/** `/var/lib/identity-service/<folder>-<hash>`: one per resolved path, named after its folder. */
export function checkoutDataDir(dataDir: string): string {
  const resolved = path.resolve(dataDir);
  const hash = createHash('sha256').update(resolved).digest('hex').slice(0, 10);
  const owner = path.basename(path.basename(resolved) === 'data' ? path.dirname(resolved) : resolved);
  return path.join(SYSTEM_DATA_ROOT, `${owner || 'root'}-${hash}`);
}
