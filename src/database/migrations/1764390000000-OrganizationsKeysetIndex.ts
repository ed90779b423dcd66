import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A platform admin's `GET /v1/orgs` pages over every organization in `(created_at, org_id)` order. */
export class OrganizationsKeysetIndex1764390000000 implements MigrationInterface {
  name = 'OrganizationsKeysetIndex1764390000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX IF NOT EXISTS organizations_keyset_idx ON organizations (created_at, org_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS organizations_keyset_idx`);
  }
}
