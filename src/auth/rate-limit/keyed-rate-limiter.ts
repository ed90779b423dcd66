import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { getStorageToken, type ThrottlerStorage } from '@nestjs/throttler';
import { RateLimitedError } from '../../common/errors/app-error.js';

const digest = (text: string) => createHash('sha256').update(text).digest('base64url').slice(0, 32);

/**
 * A fixed window per subject (an account, a login name, an email address) rather than per client
 * IP, in the throttler's storage (Redis when configured, so every instance shares it). Keys carry a
 * hash of the subject, never the subject itself.
 */
@Injectable()
export class KeyedRateLimiter {
  constructor(@Inject(getStorageToken()) private readonly storage: ThrottlerStorage) {}

  /** Counts one hit of `subject` (of a `kind`) in `bucket`; 429 once there were more than `limit` in `windowMs`. */
  async hit(bucket: string, kind: string, subject: string, limit: number, windowMs: number): Promise<void> {
    const record = await this.storage.increment(`${kind}:${digest(subject)}`, windowMs, limit, windowMs, bucket);
    if (record.isBlocked) throw new RateLimitedError(record.timeToBlockExpire > 0 ? record.timeToBlockExpire : record.timeToExpire);
  }
}
