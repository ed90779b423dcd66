import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, realpath, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CONSUMER = path.join(REPO, 'test/consumer');

export interface InstalledConsumer {
  dir: string;
  /** What `npm pack` put in the tarball. */
  packedFiles: string[];
  remove(): Promise<void>;
}

/**
 * Lays out an outside project the way npm would: the `npm pack` tarball unpacked as
 * `node_modules/identity-service`, the other packages linked from this checkout (so no registry is
 * needed and Nest is one copy), and the consumer's sources compiled by tsc against the package's
 * type declarations, with decorator metadata like any Nest app.
 */
export async function installConsumer(): Promise<InstalledConsumer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'identity-consumer-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    return { dir, packedFiles: await layOut(dir), remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

async function layOut(dir: string): Promise<string[]> {
  const modules = path.join(dir, 'node_modules');
  const packageDir = path.join(modules, 'identity-service');
  await mkdir(packageDir, { recursive: true });

  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: REPO });
  const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  await run('tar', ['-xzf', path.join(dir, packed.filename), '-C', packageDir, '--strip-components=1']);

  const ownModules = await realpath(path.join(REPO, 'node_modules'));
  for (const entry of await readdir(ownModules)) {
    if (entry.startsWith('.') || entry === 'identity-service') continue;
    await symlink(path.join(ownModules, entry), path.join(modules, entry));
  }

  for (const entry of ['src', 'tsconfig.json', 'package.json']) {
    await cp(path.join(CONSUMER, entry), path.join(dir, entry), { recursive: true });
  }
  await run(process.execPath, [path.join(ownModules, 'typescript/bin/tsc'), '-p', path.join(dir, 'tsconfig.json')]).catch((error: { stdout?: string }) => {
    throw new Error(`the consumer does not compile against the package's declarations:\n${error.stdout ?? String(error)}`);
  });

  return packed.files.map((f) => f.path);
}

export interface RunningConsumer {
  url: string;
  stop(): Promise<void>;
}

/** Starts the compiled consumer app and waits for the address it prints. */
export async function startConsumer(dir: string, env: Record<string, string>): Promise<RunningConsumer> {
  const child = spawn(process.execPath, ['dist/main.js'], { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the consumer did not start:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1].replace('[::1]', '127.0.0.1'));
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the consumer exited with ${code}:\n${output}`));
    });
  });
  return { url, stop: () => stop(child) };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Runs a one-line ES module inside the consumer project, as its own code would import things. */
export async function runInConsumer(dir: string, source: string): Promise<{ stdout: string; stderr: string; code: number }> {
  return run(process.execPath, ['--input-type=module', '-e', source], { cwd: dir }).then(
    ({ stdout, stderr }) => ({ stdout, stderr, code: 0 }),
    (error: { stdout: string; stderr: string; code: number }) => ({ stdout: error.stdout, stderr: error.stderr, code: error.code }),
  );
}
