import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `workspaces.member_count` is kept by one UPDATE per statement instead of one per membership row:
 * adding 20,000 members in one INSERT (or a user's memberships going with the user) updated the
 * same workspace row 20,000 times, leaving as many dead versions of it. Transition tables give the
 * statement's rows at once; a trigger with them may serve only one event, hence two triggers.
 * The workspace rows are locked in id order first, so two statements touching the same
 * workspaces cannot deadlock on the order the UPDATE happens to visit them.
 */
export class MemberCountPerStatement1764550000000 implements MigrationInterface {
  name = 'MemberCountPerStatement1764550000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER workspace_members_count ON workspace_members`);
    await q.query(`DROP FUNCTION workspace_member_count()`);
    for (const [event, table, sign] of [['INSERT', 'NEW', '+'], ['DELETE', 'OLD', '-']] as const) {
      const rows = `${table.toLowerCase()}_members`;
      await q.query(`
        CREATE FUNCTION workspace_member_count_${event.toLowerCase()}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          PERFORM 1 FROM workspaces WHERE workspace_id IN (SELECT workspace_id FROM ${rows}) ORDER BY workspace_id FOR NO KEY UPDATE;
          UPDATE workspaces w SET member_count = w.member_count ${sign} d.n
            FROM (SELECT workspace_id, count(*)::int AS n FROM ${rows} GROUP BY workspace_id) d
           WHERE w.workspace_id = d.workspace_id;
          RETURN NULL;
        END $$`);
      await q.query(`
        CREATE TRIGGER workspace_members_count_${event.toLowerCase()} AFTER ${event} ON workspace_members
        REFERENCING ${table} TABLE AS ${rows} FOR EACH STATEMENT EXECUTE FUNCTION workspace_member_count_${event.toLowerCase()}()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const event of ['insert', 'delete']) {
      await q.query(`DROP TRIGGER workspace_members_count_${event} ON workspace_members`);
      await q.query(`DROP FUNCTION workspace_member_count_${event}()`);
    }
    await q.query(`
      CREATE FUNCTION workspace_member_count() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          UPDATE workspaces SET member_count = member_count + 1 WHERE workspace_id = NEW.workspace_id;
        ELSE
          UPDATE workspaces SET member_count = member_count - 1 WHERE workspace_id = OLD.workspace_id;
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER workspace_members_count AFTER INSERT OR DELETE ON workspace_members
      FOR EACH ROW EXECUTE FUNCTION workspace_member_count()`);
  }
}
