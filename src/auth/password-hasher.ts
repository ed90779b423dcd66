import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import * as argon2 from 'argon2';
import { AUTH_OPTIONS, type ResolvedAuthOptions } from './auth.options.js';

/**
 * argon2id hashing. The native binding runs on libuv's thread pool, never on the event loop. A
 * dummy hash with the same parameters is made once at start so that a login for an unknown account
 * spends the same time as one with a wrong password.
 *
 * At most one hash per core but one runs at a time: each is a core's worth of CPU (and ~19 MiB),
 * so a burst of logins would otherwise take every core from the event loop, and every other
 * request's latency with it. Logins beyond that wait their turn.
 */
@Injectable()
export class PasswordHasher implements OnModuleInit {
  private readonly options: argon2.HashOptions & { type: 2 };
  private dummy?: Promise<string>;
  private readonly slots = new Slots(Math.max(1, availableParallelism() - 1));

  constructor(@Inject(AUTH_OPTIONS) auth: ResolvedAuthOptions) {
    const { memoryKiB, timeCost, parallelism } = auth.argon2;
    this.options = { type: argon2.argon2id, memoryCost: memoryKiB, timeCost, parallelism };
  }

  onModuleInit(): void {
    this.dummyHash();
  }

  hash(password: string): Promise<string> {
    return this.slots.run(() => argon2.hash(password, this.options));
  }

  /**
   * Whether `password` matches `hash`. Without a hash (unknown account, or one without a local
   * password) the dummy is verified instead and the answer is false, in the same time.
   */
  async verify(hash: string | null | undefined, password: string): Promise<boolean> {
    if (!hash) {
      await this.verifyDummy(password);
      return false;
    }
    try {
      return await this.slots.run(() => argon2.verify(hash, password));
    } catch {
      // A malformed stored hash: refuse, after spending the usual time.
      await this.verifyDummy(password);
      return false;
    }
  }

  /** Whether a stored hash was made with other parameters than the configured ones. */
  needsRehash(hash: string): boolean {
    try {
      return argon2.needsRehash(hash, { memoryCost: this.options.memoryCost, timeCost: this.options.timeCost, parallelism: this.options.parallelism });
    } catch {
      return false;
    }
  }

  private async verifyDummy(password: string): Promise<void> {
    const dummy = await this.dummyHash();
    await this.slots.run(() => argon2.verify(dummy, password)).catch(() => false);
  }

  private dummyHash(): Promise<string> {
    this.dummy ??= this.hash(randomBytes(24).toString('base64url'));
    return this.dummy;
  }
}

/** A counting semaphore: `run` starts the task when one of `size` slots is free. */
class Slots {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}
