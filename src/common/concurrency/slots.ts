import { RateLimitedError } from '../errors/app-error.js';

export interface SlotLimits {
  /** Requests of one key that may run at once. */
  inFlight: number;
  /** Requests of one key that may wait for a slot; past that they are refused at once. */
  queued: number;
  /** How long a request waits for a slot before it is refused. */
  queueMs: number;
}

/** Two reads of one caller run at once and eight more wait up to 2 s: a typing search box fits. */
export const DEFAULT_EXPENSIVE_READS: SlotLimits = { inFlight: 2, queued: 8, queueMs: 2000 };

interface Waiter {
  grant: () => void;
  timer: NodeJS.Timeout;
}

interface KeyState {
  active: number;
  waiting: Waiter[];
}

/**
 * Bounded concurrency per key (a user): `inFlight` run, up to `queued` more wait in arrival order
 * for at most `queueMs`, and anything beyond is refused with 429 rather than held. So a client that
 * fires many requests at once occupies a fixed share of the database pool, whatever its number.
 */
export class KeyedSlots {
  private readonly keys = new Map<string, KeyState>();

  constructor(private readonly limits: SlotLimits) {}

  /** Resolves with the function that frees the slot once the request is done. */
  async acquire(key: string): Promise<() => void> {
    let state = this.keys.get(key);
    if (!state) this.keys.set(key, (state = { active: 0, waiting: [] }));
    if (state.active < this.limits.inFlight) {
      state.active++;
      return this.releaser(key, state);
    }
    if (state.waiting.length >= this.limits.queued) throw new RateLimitedError(1);
    await this.wait(state);
    return this.releaser(key, state);
  }

  /** Keys with a request running or waiting (for tests and metrics). */
  get size(): number {
    return this.keys.size;
  }

  private wait(state: KeyState): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          clearTimeout(waiter.timer);
          resolve();
        },
        timer: setTimeout(() => {
          state.waiting.splice(state.waiting.indexOf(waiter), 1);
          reject(new RateLimitedError(1));
        }, this.limits.queueMs),
      };
      state.waiting.push(waiter);
    });
  }

  /** Frees the slot once: handed straight to the next waiter, else given back. */
  private releaser(key: string, state: KeyState): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = state.waiting.shift();
      if (next) return next.grant();
      state.active--;
      if (state.active === 0 && state.waiting.length === 0) this.keys.delete(key);
    };
  }
}
