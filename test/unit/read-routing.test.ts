import { describe, expect, it } from 'vitest';
import { parseLsn } from '../../dist/database/replicas/lsn.js';
import { PrimaryHistory } from '../../dist/database/replicas/primary-history.js';
import { Replica } from '../../dist/database/replicas/replica.js';
import { MemoryWriteMarks } from '../../dist/database/replicas/write-marks.js';

describe('WAL positions', () => {
  it('reads PostgreSQL’s hi/lo hex form as one number that orders the way the WAL does', () => {
    expect(parseLsn('0/3000060')).toBe(0x3000060n);
    expect(parseLsn('16/B374D848')).toBe((0x16n << 32n) | 0xb374d848n);
    expect(parseLsn('1/0')! > parseLsn('0/FFFFFFFF')!).toBe(true);
    expect(parseLsn(null)).toBeUndefined();
    expect(parseLsn('garbage')).toBeUndefined();
  });
});

describe('replica lag from the primary’s history', () => {
  it('is how long ago the primary first wrote past the replayed position, and 0 once caught up', () => {
    const h = new PrimaryHistory(60_000);
    expect(h.lagOf(0n, 1000)).toBeNull();
    h.add(100n, 1000);
    h.add(100n, 1200); // no new WAL: the first sighting is what counts
    h.add(250n, 1400);
    h.add(400n, 1600);
    expect(h.lagOf(400n, 1700)).toBe(0);
    expect(h.lagOf(250n, 1700)).toBe(100);
    expect(h.lagOf(120n, 1700)).toBe(300);
    // An idle primary the replica has caught up with: no lag however old the last write.
    expect(h.lagOf(400n, 90_000)).toBe(0);
  });

  it('forgets what is older than it keeps, and still reports more lag than that for a replica further behind', () => {
    const h = new PrimaryHistory(1000);
    h.add(100n, 0);
    h.add(200n, 5000);
    h.add(300n, 6000);
    expect(h.lagOf(50n, 6500)).toBe(6500);
    h.add(400n, 8000);
    // The samples at 0 and 5000 are gone: the lag it sees is at least the 1000 it keeps.
    expect(h.lagOf(50n, 8000)).toBe(2000);
    expect(h.lagOf(350n, 8000)).toBe(0);
  });
});

describe('which replica may serve a read', () => {
  const replica = () => {
    const r = new Replica('replica_1', 'postgres://nobody@127.0.0.1:1/none', 1);
    Object.assign(r, { reachable: true, replayed: 500n, lagMs: 100 });
    return r;
  };
  it('serves a caller whose last write it has replayed, within the allowed lag; reports why not otherwise', async () => {
    const r = replica();
    expect(r.serves(null, 1000)).toBe(true);
    expect(r.serves(500n, 1000)).toBe(true);
    expect(r.serves(501n, 1000)).toBe(false);
    expect(r.serves(null, 50)).toBe(false);
    expect(r.report(1000)).toEqual({ status: 'up', state: 'up', lag_ms: 100 });
    expect(r.report(50)).toEqual({ status: 'degraded', state: 'lagging', lag_ms: 100 });
    r.markDown();
    expect(r.serves(null, 1000)).toBe(false);
    expect(r.report(1000)).toEqual({ status: 'degraded', state: 'down', lag_ms: null });
    await r.close();
  });
});

describe('write marks in memory', () => {
  it('only ever raise a mark, and drop it once it expires', async () => {
    const marks = new MemoryWriteMarks(50);
    expect(await marks.get('u')).toBeNull();
    await marks.raise('u', 200n);
    await marks.raise('u', 100n);
    expect(await marks.get('u')).toBe(200n);
    await marks.raise('u', 300n);
    expect(await marks.get('u')).toBe(300n);
    await new Promise((r) => setTimeout(r, 80));
    expect(await marks.get('u')).toBeNull();
  });
});
