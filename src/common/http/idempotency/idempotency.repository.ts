import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

/** A finished request's outcome, as kept under its key. */
export interface IdempotencyRecord {
  principal: string;
  keyHash: Buffer;
  method: string;
  path: string;
  requestHash: Buffer;
  status: number;
  headers: Record<string, string>;
  /** The body as sent (JSON text), or null for none. */
  body: string | null;
}

const PURGE_BATCH = 1000;

/** Every statement on `idempotency_keys`. Methods taking a manager run in the request's transaction. */
@Injectable()
export class IdempotencyRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Claims the key for this transaction; false when another request holds it. Transaction-scoped,
   * so a crash or a rollback can never leave a key claimed.
   */
  async tryClaim(m: EntityManager, principal: string, keyHash: Buffer): Promise<boolean> {
    const [row] = await m.query(`SELECT pg_try_advisory_xact_lock(hashtextextended($1 || ':' || encode($2, 'hex'), 0)) AS claimed`, [principal, keyHash]);
    return row.claimed === true;
  }

  /** The stored outcome of the key, unless it has expired. */
  async find(m: EntityManager, principal: string, keyHash: Buffer): Promise<IdempotencyRecord | undefined> {
    const [row] = await m.query(
      `SELECT principal, key_hash AS "keyHash", method, path, request_hash AS "requestHash", status, headers, body
         FROM idempotency_keys WHERE principal = $1 AND key_hash = $2 AND expires_at > now()`,
      [principal, keyHash],
    );
    return row;
  }

  /** Stores the outcome; an expired record of the same key is replaced. */
  async save(m: EntityManager, record: IdempotencyRecord, ttlSeconds: number): Promise<void> {
    await m.query(
      `INSERT INTO idempotency_keys (principal, key_hash, method, path, request_hash, status, headers, body, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, now() + make_interval(secs => $9))
       ON CONFLICT (principal, key_hash) DO UPDATE SET method = EXCLUDED.method, path = EXCLUDED.path,
         request_hash = EXCLUDED.request_hash, status = EXCLUDED.status, headers = EXCLUDED.headers,
         body = EXCLUDED.body, created_at = now(), expires_at = EXCLUDED.expires_at`,
      [record.principal, record.keyHash, record.method, record.path, record.requestHash, record.status, JSON.stringify(record.headers), record.body, ttlSeconds],
    );
  }

  /** Deletes a batch of expired records; how many. */
  async purgeExpired(): Promise<number> {
    const [, count] = await this.dataSource.query(
      `DELETE FROM idempotency_keys WHERE ctid IN (SELECT ctid FROM idempotency_keys WHERE expires_at <= now() LIMIT ${PURGE_BATCH})`,
    );
    return Number(count ?? 0);
  }
}
