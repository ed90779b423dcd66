import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { RequestContext } from '../common/request-context.js';
import type { NewEvent } from './event-types.js';
import { EventsRepository } from './events.repository.js';

const MASK = '**********';
const SECRET_FIELDS = /password|secret|token|hash|key$/i;

/**
 * The one outbox writer. Called with the manager of the change's own transaction, so an event
 * exists if and only if its change committed. A consumer service records its own events the same way.
 */
@Injectable()
export class EventsService {
  private readonly listeners = new Set<() => void>();

  constructor(private readonly events: EventsRepository) {}

  async record(m: EntityManager, ctx: RequestContext, event: NewEvent): Promise<void> {
    await this.events.insert(m, ctx, { ...event, changes: masked(event.changes), data: masked(event.data) });
    for (const listener of this.listeners) listener();
  }

  /**
   * Calls `listener` each time an event is written on this instance (before its transaction
   * commits): a hint for readers of the outbox to look soon, not a promise that it is visible yet.
   */
  onRecorded(listener: () => void): void {
    this.listeners.add(listener);
  }

  /** Several events of one change, in order. */
  async recordAll(m: EntityManager, ctx: RequestContext, events: readonly NewEvent[]): Promise<void> {
    for (const event of events) await this.record(m, ctx, event);
  }
}

/** Secrets never reach the log of changes: their values read as a mask. */
function masked<T extends Record<string, unknown> | null | undefined>(fields: T): T {
  if (!fields) return fields;
  let copy: Record<string, unknown> | undefined;
  for (const name of Object.keys(fields)) {
    if (!SECRET_FIELDS.test(name)) continue;
    copy ??= { ...fields };
    const value = fields[name];
    copy[name] = Array.isArray(value) ? value.map((v) => (v == null ? v : MASK)) : MASK;
  }
  return (copy ?? fields) as T;
}
