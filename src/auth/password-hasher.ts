import { randomBytes } from 'node:crypto';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import * as argon2 from 'argon2';
import { AUTH_OPTIONS, type ResolvedAuthOptions } from './auth.options.js';

/**
 * argon2id hashing. The native binding runs on libuv's thread pool, never on the event loop. A
 * dummy hash with the same parameters is made once at start so that a login for an unknown account
 * spends the same time as one with a wrong password.
 */
@Injectable()
export class PasswordHasher implements OnModuleInit {
  private readonly options: argon2.HashOptions & { type: 2 };
  private dummy?: Promise<string>;

  constructor(@Inject(AUTH_OPTIONS) auth: ResolvedAuthOptions) {
    const { memoryKiB, timeCost, parallelism } = auth.argon2;
    this.options = { type: argon2.argon2id, memoryCost: memoryKiB, timeCost, parallelism };
  }

  onModuleInit(): void {
    this.dummyHash();
  }

  hash(password: string): Promise<string> {
    return argon2.hash(password, this.options);
  }

  /**
   * Whether `password` matches `hash`. Without a hash (unknown account, or one without a local
   * password) the dummy is verified instead and the answer is false, in the same time.
   */
  async verify(hash: string | null | undefined, password: string): Promise<boolean> {
    if (!hash) {
      await argon2.verify(await this.dummyHash(), password).catch(() => false);
      return false;
    }
    try {
      return await argon2.verify(hash, password);
    } catch {
      // A malformed stored hash: refuse, after spending the usual time.
      await argon2.verify(await this.dummyHash(), password).catch(() => false);
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

  private dummyHash(): Promise<string> {
    this.dummy ??= this.hash(randomBytes(24).toString('base64url'));
    return this.dummy;
  }
}
