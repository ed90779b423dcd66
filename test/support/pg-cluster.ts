// The cluster itself lives in bench/lib/pg-cluster.mjs, shared with `bench/replicas.mjs`; this
// module gives it its types for the tests.
import * as cluster from '../../bench/lib/pg-cluster.mjs';

export interface PgNode {
  port: number;
  /** The server's data directory. */
  dataDir: string;
  /** postgres://postgres@127.0.0.1:<port>/<database> */
  url(database?: string): string;
  /** The postmaster's process id while the server runs, else null. */
  pid(): number | null;
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
 * `applyDelay` late (`recovery_min_apply_delay`, default 2s), so that "behind" is seconds, not
 * microseconds; an `applyDelay` of 0 leaves the setting out.
 */
export const startPgCluster: (options?: { applyDelay?: string | number }) => Promise<PgCluster> = cluster.startPgCluster;
