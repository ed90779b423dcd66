import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
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
 * Sets up an outside project the way its developers would: `npm install` of the `npm pack` tarball
 * (its peer dependencies come from the registry, or npm's cache when it has them), then tsc over
 * the consumer's sources, with strict checks and decorator metadata like any Nest app, and over the
 * TypeScript examples of the README's library section, each as a file of its own.
 */
export async function installConsumer(): Promise<InstalledConsumer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'identity-consumer-'));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    return { dir, packedFiles: await setUp(dir), remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

async function setUp(dir: string): Promise<string[]> {
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: REPO });
  const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];

  for (const entry of ['src', 'tsconfig.json']) await cp(path.join(CONSUMER, entry), path.join(dir, entry), { recursive: true });
  const manifest = JSON.parse(await readFile(path.join(CONSUMER, 'package.json'), 'utf8'));
  manifest.dependencies['identity-service'] = `file:./${packed.filename}`;
  await writeFile(path.join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  await npm(dir, ['install', '--prefer-offline', '--no-audit', '--no-fund']);

  const snippets = readmeLibrarySnippets(await readFile(path.join(REPO, 'README.md'), 'utf8'));
  await mkdir(path.join(dir, 'src/readme'));
  await Promise.all(snippets.map((code, i) => writeFile(path.join(dir, `src/readme/example-${i + 1}.ts`), code)));
  await run(process.execPath, [path.join(dir, 'node_modules/typescript/bin/tsc'), '-p', path.join(dir, 'tsconfig.json')]).catch((error: { stdout?: string }) => {
    throw new Error(`the consumer or a README example does not compile against the package's declarations:\n${error.stdout ?? String(error)}`);
  });
  return packed.files.map((f) => f.path);
}

/** The ```ts blocks of the README's "Use as a library" section, in order. */
export function readmeLibrarySnippets(readme: string): string[] {
  const start = readme.indexOf('\n## Use as a library');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/^( *)```ts\n([\s\S]*?)^\1```/gm)].map(([, indent, code]) => code.replace(new RegExp(`^${indent}`, 'gm'), ''));
}

/** npm in the consumer project; its output is part of the error when it fails. */
export function npm(dir: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run('npm', args, { cwd: dir, maxBuffer: 16 * 1024 * 1024 }).catch((error: { stdout?: string; stderr?: string }) => {
    throw new Error(`npm ${args.join(' ')} failed:\n${error.stderr ?? ''}${error.stdout ?? ''}`);
  });
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
