import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { TEST_JWT_SECRET } from '../support/app.js';

const MAIN = path.resolve('dist/main.js');

/** `node dist/main.js` as an operator runs it, on a given database. */
export class ServiceProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  private out = '';
  private err = '';

  /** `group`: in a process group of its own, as a terminal starts it (see `interrupt`). */
  constructor(env: Record<string, string>, options: { group?: boolean } = {}) {
    this.child = spawn(process.execPath, [MAIN], {
      detached: options.group ?? false,
      env: {
        PATH: process.env.PATH!, NODE_ENV: 'test', LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: '0', JWT_SECRET: TEST_JWT_SECRET,
        ARGON2_MEMORY_KIB: '4096', ARGON2_TIME_COST: '1', ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (c: Buffer) => (this.out = (this.out + c.toString()).slice(-200_000)));
    this.child.stderr!.on('data', (c: Buffer) => (this.err = (this.err + c.toString()).slice(-200_000)));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  get output(): string {
    return `${this.out}\n${this.err}`;
  }

  /** The base URL once the process says it listens. */
  async listening(timeoutMs = 60_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const match = /listening on (http:\/\/[\d.]+:\d+)/.exec(this.out);
      if (match) return match[1];
      if (this.child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`the service did not start: ${this.output.slice(-3000)}`);
  }

  kill(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null) this.child.kill(signal);
  }

  /** Ctrl-C in a terminal: SIGINT to the whole process group (needs `group`). */
  interrupt(): void {
    if (this.child.exitCode === null) process.kill(-this.child.pid!, 'SIGINT');
  }
}
