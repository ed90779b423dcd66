import { describe, expect, it } from 'vitest';
import { crashSuite } from './crash-suite.js';

/**
 * `node dist/main.js` killed with SIGKILL between two requests sent with one Idempotency-Key:
 * the outcome was committed with the effect, so the restarted service still replays it.
 */
describe('faults: SIGKILL between two requests with one Idempotency-Key', () => {
  const suite = crashSuite();
  const post = (url: string, key: string) =>
    fetch(`${url}/v1/orgs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${suite.admin.token}`, 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({ name: 'Survives a crash' }),
    });

  it('replays after the restart what was answered before the kill', async () => {
    const first = await suite.start();
    const created = await post(first.url, 'crash-key-1');
    expect(created.status).toBe(201);
    const body = await created.text();
    first.p.kill('SIGKILL');
    await first.p.exited;

    const second = await suite.start();
    const replayed = await post(second.url, 'crash-key-1');
    expect(replayed.status).toBe(201);
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(await replayed.text()).toBe(body);
    expect(replayed.headers.get('etag')).toBe(created.headers.get('etag'));
    const [{ n }] = await suite.db.query(`SELECT count(*)::int AS n FROM organizations WHERE name = 'Survives a crash'`);
    expect(n).toBe(1);
  }, 180_000);
});
