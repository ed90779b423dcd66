import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

describe('typed permissions', () => {
  it('refuses a misspelt permission at compile time (decorator, access service, 403 error), as a consumer sees the types', async () => {
    const run = await promisify(execFile)(process.execPath, [tsc, '-p', 'test/types/tsconfig.json']).then(
      () => ({ code: 0, output: '' }),
      (error: { code: number; stdout: string }) => ({ code: error.code, output: error.stdout }),
    );
    expect(run.output).toBe('');
    expect(run.code).toBe(0);
  }, 60_000);
});
