import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, inject } from 'vitest';

/** The benchmark at a tiny size: proves `npm run bench` still runs end to end and prints its table. */
describe('bench smoke', () => {
  it('seeds, drives the service and the baseline, and prints the table', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-smoke-'));
    const out = path.join(dir, 'result.json');
    try {
      const { code, stdout, stderr } = await run(['bench/run.mjs', '--smoke', '--out', out], { DATABASE_URL: inject('serverUrl') });
      expect(code, stderr).toBe(0);
      expect(stdout).toMatch(/size\s+scenario\s+req\/s\s+p50 ms\s+p99 ms/);
      expect(stdout).toContain('targets');
      const result = JSON.parse(await readFile(out, 'utf8'));
      expect(result.sizes).toHaveLength(1);
      // Every scenario's first answer was right, so the figures measure the real routes.
      const rows = result.sizes[0].rows as { scenario: string; check: string; service: { ok: number }; baseline?: { ok: number } }[];
      expect(Object.fromEntries(rows.map((r) => [r.scenario, r.check]))).toEqual({
        'users/me': 'ok',
        liveness: 'ok',
        'users list p1': 'ok',
        'users list deep': 'ok',
        'search selective': 'ok',
        'search unselective': 'ok',
        'members p1': 'ok',
      });
      for (const r of rows) expect(r.service.ok, r.scenario).toBeGreaterThan(0);
      expect(rows[0].baseline!.ok).toBeGreaterThan(0);
      expect(result.login.alone.check).toBe('ok');
      expect(result.login.alone.ok).toBeGreaterThan(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 90_000);
});

function run(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    child.once('error', reject);
    child.once('exit', (code) => {
      process.stdout.write(stdout);
      resolve({ code, stdout, stderr });
    });
  });
}
