import { Logger } from '@nestjs/common';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The form an email is stored and compared in: NFKC, then the database's `lower()`. */
const NORMALIZED = (column: string) => `lower(normalize(${column}, NFKC))`;

/**
 * Rows whose email is not yet normalized, with the other rows it would then equal. Two accounts
 * that normalize to one address may belong to two people, so they are never merged.
 */
const PENDING = `
  SELECT u.user_id, u.email, ${NORMALIZED('u.email')} AS normalized,
         array(SELECT o.user_id FROM users o
                WHERE o.user_id <> u.user_id
                  AND (lower(o.email) = ${NORMALIZED('u.email')} OR ${NORMALIZED('o.email')} = ${NORMALIZED('u.email')})
                ORDER BY o.user_id)::text[] AS collides_with
    FROM users u
   WHERE u.email <> ${NORMALIZED('u.email')}
   ORDER BY u.user_id`;

interface Pending {
  user_id: string;
  email: string;
  normalized: string;
  collides_with: string[];
}

/**
 * Emails were stored lower-cased only, so look-alike spellings (fullwidth letters, a decomposed
 * accent) made separate accounts. Every email whose normalized form is its own is rewritten to
 * it; one that would collide with another account is left as it is and reported in the log, for
 * an operator to settle.
 */
export class NormalizeEmails1764560000001 implements MigrationInterface {
  name = 'NormalizeEmails1764560000001';

  async up(q: QueryRunner): Promise<void> {
    const pending = (await q.query(PENDING)) as Pending[];
    const logger = new Logger('Migrations');
    const clean = pending.filter((row) => row.collides_with.length === 0);
    for (const row of pending.filter((r) => r.collides_with.length > 0)) {
      logger.warn(`users ${row.user_id}: email normalizes to one of users ${row.collides_with.join(', ')}; left unchanged`);
    }
    if (clean.length === 0) return;
    await q.query(`UPDATE users SET email = ${NORMALIZED('email')} WHERE user_id = ANY($1::uuid[])`, [clean.map((row) => row.user_id)]);
  }

  async down(): Promise<void> {
    // The original spellings are not kept: normalized emails stay as they are.
  }
}
