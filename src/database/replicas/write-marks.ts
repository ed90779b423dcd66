import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';

/**
 * The WAL position each principal's last write reached: a replica serves that principal's reads
 * only once it has replayed that far. Marks expire once every usable replica must be past them.
 */
export interface WriteMarks {
  /** The principal's mark; undefined when there is none or it cannot be read (read the primary then). */
  get(principal: string): Promise<bigint | null | undefined>;
  /** Raises the principal's mark to `lsn` (never lowers it). */
  raise(principal: string, lsn: bigint): Promise<void>;
  close(): Promise<void>;
}

/** One instance only: marks in a map, each dropped after `ttlMs`. */
export class MemoryWriteMarks implements WriteMarks {
  private readonly marks = new Map<string, { lsn: bigint; until: number }>();
  constructor(private readonly ttlMs: number) {}

  async get(principal: string): Promise<bigint | null> {
    const mark = this.marks.get(principal);
    if (!mark) return null;
    if (mark.until >= Date.now()) return mark.lsn;
    this.marks.delete(principal);
    return null;
  }

  async raise(principal: string, lsn: bigint): Promise<void> {
    const current = await this.get(principal);
    // Insertion order is expiry order: the oldest marks go first.
    this.marks.delete(principal);
    this.marks.set(principal, { lsn: current && current > lsn ? current : lsn, until: Date.now() + this.ttlMs });
    for (const [key, mark] of this.marks) {
      if (mark.until >= Date.now()) break;
      this.marks.delete(key);
    }
  }

  async close(): Promise<void> {}
}

/** Keeps the larger of the stored and the given position, and renews the expiry, atomically. */
const RAISE_SCRIPT = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1`;

interface ScriptedRedis extends Redis {
  raiseMark(key: string, lsn: string, ttlMs: number): Promise<number>;
}

/** Shared by every instance through Redis, so a write on one instance is honoured by the others. */
export class RedisWriteMarks implements WriteMarks {
  private readonly logger = new Logger('WriteMarks');
  private readonly redis: ScriptedRedis;

  constructor(url: string, private readonly ttlMs: number, private readonly prefix = 'identity:lsn:') {
    // A slow Redis must not hold reads up: a mark that cannot be read sends the read to the primary.
    this.redis = new Redis(url, { commandTimeout: 500, maxRetriesPerRequest: 1 }) as ScriptedRedis;
    this.redis.defineCommand('raiseMark', { numberOfKeys: 1, lua: RAISE_SCRIPT });
    this.redis.on('error', (error) => this.logger.warn({ err: error }, 'write marks: Redis unavailable'));
  }

  async get(principal: string): Promise<bigint | null | undefined> {
    try {
      const value = await this.redis.get(this.prefix + principal);
      return value === null ? null : BigInt(value);
    } catch {
      return undefined;
    }
  }

  async raise(principal: string, lsn: bigint): Promise<void> {
    await this.redis.raiseMark(this.prefix + principal, lsn.toString(), this.ttlMs);
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
