import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerStorageService, type ThrottlerStorage } from '@nestjs/throttler';
import { Redis, type RedisOptions } from 'ioredis';

export type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * Fixed-window counter plus block marker, atomically in one script:
 * KEYS[1] hits, KEYS[2] block; ARGV ttl ms, limit, block ms. Returns hits, hits pttl, blocked, block pttl.
 */
const INCREMENT_SCRIPT = `
local blocked = redis.call('PTTL', KEYS[2])
if blocked > 0 then
  local hits = tonumber(redis.call('GET', KEYS[1]) or '0')
  return {hits, redis.call('PTTL', KEYS[1]), 1, blocked}
end
local ttl = tonumber(ARGV[1])
local hits = redis.call('INCR', KEYS[1])
local pttl = redis.call('PTTL', KEYS[1])
if hits == 1 or pttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
  pttl = ttl
end
if hits > tonumber(ARGV[2]) then
  local block = tonumber(ARGV[3])
  if block > 0 then
    redis.call('SET', KEYS[2], '1', 'PX', block)
    return {hits, pttl, 1, block}
  end
  return {hits, pttl, 1, pttl}
end
return {hits, pttl, 0, 0}
`;

interface ScriptedRedis extends Redis {
  throttleIncrement(hitsKey: string, blockKey: string, ttlMs: number, limit: number, blockMs: number): Promise<[number, number, number, number]>;
}

export interface RedisThrottlerStorageOptions {
  /** Prefix of every key (default `identity:rl:`). */
  prefix?: string;
  /** Extra ioredis options. */
  redis?: RedisOptions;
}

/**
 * `ThrottlerStorage` on Redis, so every instance of the service shares the counters. Each call is
 * one round trip running an atomic script (INCR + PEXPIRE + block marker). When Redis cannot be
 * reached the call falls back to per-instance memory counters instead of failing the login, and
 * says so in the log (once per outage).
 */
export class RedisThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimit');
  private readonly client: ScriptedRedis;
  private readonly prefix: string;
  private readonly fallback = new ThrottlerStorageService();
  private degraded = false;

  constructor(url: string, options: RedisThrottlerStorageOptions = {}) {
    this.prefix = options.prefix ?? 'identity:rl:';
    this.client = new Redis(url, {
      lazyConnect: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: 500,
      connectTimeout: 2000,
      retryStrategy: (attempt) => Math.min(attempt * 200, 5000),
      ...options.redis,
    }) as ScriptedRedis;
    this.client.on('error', () => undefined);
    this.client.defineCommand('throttleIncrement', { numberOfKeys: 2, lua: INCREMENT_SCRIPT });
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    // The hash tag keeps both keys of one counter in the same cluster slot.
    const base = `${this.prefix}{${throttlerName}:${key}}`;
    try {
      const [hits, pttl, blocked, blockPttl] = await this.client.throttleIncrement(`${base}:hits`, `${base}:block`, ttl, limit, blockDuration);
      if (this.degraded) {
        this.degraded = false;
        this.logger.log('Redis is back: rate-limit counters are shared again');
      }
      return { totalHits: hits, timeToExpire: Math.ceil(pttl / 1000), isBlocked: blocked === 1, timeToBlockExpire: Math.ceil(blockPttl / 1000) };
    } catch (error) {
      if (!this.degraded) {
        this.degraded = true;
        this.logger.warn(`Redis unavailable (${(error as Error).message}); counting rate limits in memory on this instance`);
      }
      return this.fallback.increment(key, ttl, limit, blockDuration, throttlerName);
    }
  }

  /** Waits until the connection is up (tests, readiness); resolves false after `timeoutMs`. */
  async ready(timeoutMs = 2000): Promise<boolean> {
    if (this.client.status === 'ready') return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.client.once('ready', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.fallback.onApplicationShutdown();
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
