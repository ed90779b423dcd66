import { EventEmitter } from 'node:events';
import { Logger, type LoggerService } from '@nestjs/common';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { unavailableCause } from '../../dist/common/errors/database-errors.js';
import { DatabaseOutage } from '../../dist/database/outage.js';

type Line = { level: string; fields: Record<string, any>; msg: string };

/** The outage's state machine on a clock of its own: what it logs, and which request lines it keeps. */
describe('DatabaseOutage', () => {
  let now = 0;
  let lines: Line[] = [];
  let outage: DatabaseOutage;
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  const timedOut = Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' });

  beforeEach(() => {
    now = 1_000_000;
    lines = [];
    const record = (level: string) => (fields: Record<string, any>, msg: string) => lines.push({ level, fields, msg });
    Logger.overrideLogger({ log: record('log'), warn: record('warn'), error: record('error') } as LoggerService);
    outage = new DatabaseOutage(10_000, () => now);
  });
  afterEach(() => Logger.overrideLogger(false));

  it('classifies driver errors into outage causes and slow ones', () => {
    expect(unavailableCause(refused)).toMatchObject({ cause: 'ECONNREFUSED', outage: true });
    expect(unavailableCause({ driverError: timedOut })).toMatchObject({ cause: '57014', outage: false });
    expect(unavailableCause(new Error('Connection terminated unexpectedly'))).toMatchObject({ cause: 'connection_terminated', outage: true });
    expect(unavailableCause(new Error('timeout exceeded when trying to connect'))).toMatchObject({ cause: 'pool_timeout', outage: false });
    expect(unavailableCause(new AggregateError([refused]))).toMatchObject({ cause: 'ECONNREFUSED' });
    expect(unavailableCause(new Error('syntax error'))).toBeUndefined();
  });

  it('logs the outage once, a summary per interval, one request line per interval', () => {
    const cause = unavailableCause(refused)!;
    const kept: boolean[] = [];
    for (let i = 0; i < 250; i++) {
      kept.push(outage.refused(cause));
      now += 100; // 25 s of refusals, ten a second
    }
    expect(kept.filter(Boolean)).toHaveLength(3); // at 0 s, 10 s and 20 s
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      ['error', 'database unavailable'],
      ['warn', 'database still unavailable'],
      ['warn', 'database still unavailable'],
    ]);
    expect(lines[0].fields).toEqual({ error: { code: 'ECONNREFUSED', message: refused.message } });
    expect(lines[1].fields).toMatchObject({ down_seconds: 10, refused: 101, refused_total: 101, last_error: { code: 'ECONNREFUSED' } });
    expect(lines[2].fields).toMatchObject({ down_seconds: 20, refused: 100, refused_total: 201 });
    expect(outage.isDown).toBe(true);
  });

  it('a slow query outside an outage keeps its request line and opens nothing', () => {
    expect(outage.refused(unavailableCause(timedOut)!)).toBe(true);
    expect(outage.refused(unavailableCause(timedOut)!)).toBe(true);
    expect(outage.isDown).toBe(false);
    expect(lines).toEqual([]);
  });

  it('a lost idle connection outside an outage is one warning per interval, and nothing during shutdown', () => {
    for (let i = 0; i < 10; i++) outage.connectionLost(new Error('Connection terminated unexpectedly'));
    expect(lines.map((l) => l.msg)).toEqual(['database connection lost']);
    now += 10_000;
    outage.shuttingDown();
    outage.connectionLost(new Error('Connection terminated unexpectedly'));
    expect(lines).toHaveLength(1);
    expect(outage.isDown).toBe(false);
  });

  it('ends with a new connection, or a healthy one taken well after the outage began', () => {
    const pool = new EventEmitter();
    outage.watch(pool as never);
    const cause = unavailableCause(refused)!;
    outage.refused(cause);
    const early = new EventEmitter();
    pool.emit('acquire', early); // taken as the outage began: its release proves nothing
    pool.emit('release', undefined, early);
    expect(outage.isDown).toBe(true);
    now += 16_000;
    pool.emit('connect', new EventEmitter());
    expect(outage.isDown).toBe(false);
    expect(lines.at(-1)).toMatchObject({ level: 'warn', msg: 'database available again after 16 s (1 requests refused)', fields: { down_seconds: 16, refused: 1 } });

    outage.refused(cause);
    now += 2_000;
    const later = new EventEmitter();
    pool.emit('acquire', later);
    pool.emit('release', undefined, later);
    expect(outage.isDown).toBe(false);
  });

  it('a connection the outage killed, failing just after it ends, opens no second outage', () => {
    const pool = new EventEmitter();
    outage.watch(pool as never);
    const terminated = unavailableCause(new Error('Connection terminated unexpectedly'))!;
    outage.refused(unavailableCause(refused)!);
    now += 15_000;
    pool.emit('connect', new EventEmitter());
    now += 200;
    expect(outage.refused(terminated)).toBe(false);
    outage.connectionLost(new Error('Connection terminated unexpectedly'));
    expect(outage.isDown).toBe(false);
    expect(lines.filter((l) => l.msg === 'database unavailable')).toHaveLength(1);
    now += 2_000; // past the tail: the same error now is a new outage
    outage.refused(terminated);
    expect(outage.isDown).toBe(true);
    expect(lines.filter((l) => l.msg === 'database unavailable')).toHaveLength(2);
  });
});
