import type { LoggerService } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { quietStartup } from '../../dist/common/logging.js';

describe('quietStartup', () => {
  const recorder = () => {
    const calls: [string, unknown[]][] = [];
    const logger: LoggerService = {
      log: (...args: unknown[]) => calls.push(['log', args]),
      debug: (...args: unknown[]) => calls.push(['debug', args]),
      warn: (...args: unknown[]) => calls.push(['warn', args]),
      error: (...args: unknown[]) => calls.push(['error', args]),
    };
    return { calls, logger };
  };

  it("moves Nest's start-up narration to debug and leaves every other line where it was", () => {
    const { calls, logger } = recorder();
    const quiet = quietStartup(logger);
    quiet.log('AppModule dependencies initialized', 'InstanceLoader');
    quiet.log('Mapped {/v1/users, GET} route', 'RouterExplorer');
    quiet.log('Nest application successfully started', 'NestApplication');
    quiet.log('Created the platform admin', 'AdminBootstrap');
    quiet.warn('database connection lost', 'Database');
    expect(calls).toEqual([
      ['debug', ['AppModule dependencies initialized', 'InstanceLoader']],
      ['debug', ['Mapped {/v1/users, GET} route', 'RouterExplorer']],
      ['debug', ['Nest application successfully started', 'NestApplication']],
      ['log', ['Created the platform admin', 'AdminBootstrap']],
      ['warn', ['database connection lost', 'Database']],
    ]);
  });
});
