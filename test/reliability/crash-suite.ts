import { DataSource } from 'typeorm';
import { afterAll, beforeAll } from 'vitest';
import { dataSourceOptions } from '../../dist/database/data-source.options.js';
import { createTestDatabase, dropTestDatabase, seedUser, type SeedUser } from '../support/app.js';
import { ServiceProcess } from './service-process.js';

export interface CrashSuite {
  databaseUrl: string;
  db: DataSource;
  admin: SeedUser;
  /** Another `node dist/main.js` on the suite's database; whatever still runs is killed after the suite. */
  start(): Promise<{ p: ServiceProcess; url: string }>;
}

/**
 * A database of its own with an admin in it, for a suite that kills and restarts the service on it.
 * Call inside `describe`; the fields are set once `beforeAll` has run.
 */
export function crashSuite(env: Record<string, string> = {}): CrashSuite {
  const processes: ServiceProcess[] = [];
  const suite = {
    async start() {
      const p = new ServiceProcess({ DATABASE_URL: suite.databaseUrl, ...env });
      processes.push(p);
      return { p, url: await p.listening() };
    },
  } as CrashSuite;

  beforeAll(async () => {
    suite.databaseUrl = await createTestDatabase();
    suite.db = await new DataSource(dataSourceOptions({ url: suite.databaseUrl, poolSize: 2 })).initialize();
    suite.admin = await seedUser(suite.db, { roles: ['admin'] });
  });
  afterAll(async () => {
    for (const p of processes) p.kill('SIGKILL');
    await suite.db?.destroy();
    if (suite.databaseUrl) await dropTestDatabase(suite.databaseUrl);
  });
  return suite;
}
