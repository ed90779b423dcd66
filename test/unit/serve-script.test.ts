import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SCRIPT = path.resolve('scripts/serve.sh');

/** scripts/serve.sh started on an entry that prints the flags and malloc settings it was given. */
describe('scripts/serve.sh', () => {
  let dir: string;
  let entry: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'serve-script-'));
    entry = path.join(dir, 'entry.mjs');
    await fs.writeFile(entry, `console.log(JSON.stringify({ pid: process.pid, argv: process.execArgv, mmap: process.env.MALLOC_MMAP_THRESHOLD_, arenas: process.env.MALLOC_ARENA_MAX }));\n`);
  });
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  const run = async (env: Record<string, string>, cgroup?: Record<string, string>) => {
    const root = path.join(dir, `cg-${Math.random().toString(36).slice(2)}`);
    await fs.mkdir(path.join(root, 'memory'), { recursive: true });
    for (const [file, text] of Object.entries(cgroup ?? {})) await fs.writeFile(path.join(root, file), text);
    const out = execFileSync('/bin/sh', [SCRIPT, entry], { env: { PATH: process.env.PATH!, SERVE_CGROUP_DIR: root, ...env }, encoding: 'utf8' });
    return JSON.parse(out);
  };

  it('caps the heap at half the cgroup v2 limit, and bounds glibc’s arenas', async () => {
    expect(await run({}, { 'memory.max': `${512 * 1024 * 1024}\n` })).toMatchObject({ argv: ['--max-old-space-size=256'], mmap: '4194304', arenas: '2' });
  });

  it('reads cgroup v1, keeps 64 MiB at least, and takes no limit for "max" or v1’s huge number', async () => {
    expect((await run({}, { 'memory/memory.limit_in_bytes': `${100 * 1024 * 1024}\n` })).argv).toEqual(['--max-old-space-size=64']);
    expect((await run({}, { 'memory.max': 'max\n' })).argv).toEqual(['--max-old-space-size=160']);
    expect((await run({ SERVE_DEFAULT_HEAP_MB: '300' }, { 'memory/memory.limit_in_bytes': '9223372036854771712\n' })).argv).toEqual(['--max-old-space-size=300']);
  });

  it('leaves the heap to NODE_OPTIONS when it names one, and passes NODE_ARGS on', async () => {
    const out = await run({ NODE_OPTIONS: '--max-old-space-size=999', NODE_ARGS: '--no-warnings' }, { 'memory.max': `${512 * 1024 * 1024}\n` });
    expect(out.argv).toEqual(['--no-warnings']);
  });
});
