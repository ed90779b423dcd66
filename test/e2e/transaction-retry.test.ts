import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, expectErrorShape, seedUser, type SeedUser, type TestApp } from '../support/app.js';

/**
 * Deadlocks made on demand: a trigger on `organizations` fails the insert with SQLSTATE 40P01 while
 * a sequence (which a rollback does not undo) counts the attempts.
 */
describe('a write that meets a deadlock', () => {
  let t: TestApp;
  let user: SeedUser;
  beforeAll(async () => {
    t = await createTestApp();
    user = await seedUser(t.db);
    await t.db.query(`CREATE SEQUENCE org_attempts`);
    await t.db.query(`CREATE TABLE deadlocks_left (n int NOT NULL)`);
    await t.db.query(`INSERT INTO deadlocks_left VALUES (0)`);
    await t.db.query(`
      CREATE FUNCTION fake_deadlock() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF nextval('org_attempts') <= (SELECT n FROM deadlocks_left) THEN
          RAISE EXCEPTION 'deadlock detected' USING ERRCODE = '40P01';
        END IF;
        RETURN NEW;
      END $$`);
    await t.db.query(`CREATE TRIGGER fake_deadlock BEFORE INSERT ON organizations FOR EACH ROW EXECUTE FUNCTION fake_deadlock()`);
  });
  afterAll(() => t?.close());

  const attempt = async (deadlocks: number) => {
    await t.db.query(`UPDATE deadlocks_left SET n = $1`, [deadlocks]);
    await t.db.query(`SELECT setval('org_attempts', 1, false)`);
    const res = await t.http.post('/v1/orgs').set(bearer(user.token)).send({ name: `Retried ${deadlocks}` });
    const [{ last_value, is_called }] = await t.db.query(`SELECT last_value, is_called FROM org_attempts`);
    return { res, attempts: is_called ? Number(last_value) : 0 };
  };

  it('is replayed from the start and succeeds when a later attempt gets through', async () => {
    const { res, attempts } = await attempt(2);
    expect(res.status).toBe(201);
    expect(attempts).toBe(3);
    const owners = await t.db.query(`SELECT role FROM org_members WHERE org_id = $1`, [res.body.org_id]);
    expect(owners).toEqual([{ role: 'owner' }]);
  });

  it('answers 503 with Retry-After after three attempts, and nothing is written', async () => {
    const [{ n: before }] = await t.db.query(`SELECT count(*)::int AS n FROM organizations`);
    const { res, attempts } = await attempt(10);
    expect(attempts).toBe(3);
    expect(res.status).toBe(503);
    expectErrorShape(res.body, 503, 'SERVICE_UNAVAILABLE');
    expect(res.headers['retry-after']).toBe('1');
    const [{ n: after }] = await t.db.query(`SELECT count(*)::int AS n FROM organizations`);
    expect(after).toBe(before);
  });
});
