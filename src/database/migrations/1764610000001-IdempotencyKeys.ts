import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outcome of each request sent with an `Idempotency-Key`, written by the transaction of its
 * effect. A row exists only once its request has finished: a request still running is held by a
 * transaction-scoped advisory lock, not by a row. The key itself is kept only as a SHA-256; the
 * body as the text that was sent, so a replay answers the same bytes.
 */
export class IdempotencyKeys1764610000001 implements MigrationInterface {
  name = 'IdempotencyKeys1764610000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE idempotency_keys (
        principal text NOT NULL,
        key_hash bytea NOT NULL,
        method varchar(16) NOT NULL,
        path text NOT NULL,
        request_hash bytea NOT NULL,
        status smallint NOT NULL,
        headers jsonb NOT NULL DEFAULT '{}',
        body text,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        expires_at timestamptz(3) NOT NULL,
        PRIMARY KEY (principal, key_hash)
      )`);
    await q.query(`CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS idempotency_keys`);
  }
}
