import { Injectable } from '@nestjs/common';
import { CursorCodec, invalidCursor } from '../../common/pagination/cursor.js';
import { cursorScope } from '../../common/pagination/keyset.js';
import { RequestValidationError } from '../../common/validation/pydantic-errors.js';
import { EventReadsRepository, type FeedPosition } from './event-reads.repository.js';
import { toEventResponse } from './event-rows.js';
import { FEED_PAGE_DEFAULT, type AuditLogResponse, type AuditQueryDto, type EventFeedResponse, type FeedQueryDto } from './event.dto.js';

const START: FeedPosition = { txid: '0', sequence: '0' };
const DIGITS = /^\d{1,20}$/;

/** The events feed (oldest first, never skipping a late commit) and the audit log (newest first). */
@Injectable()
export class EventFeedService {
  constructor(
    private readonly reads: EventReadsRepository,
    private readonly cursors: CursorCodec,
  ) {}

  /** `orgId` undefined: every org's events (platform admins). */
  async feed(orgId: string | undefined, query: FeedQueryDto): Promise<EventFeedResponse> {
    const scope = cursorScope('events', orgId ?? '*');
    const after = query.after ? this.feedPosition(query.after, scope) : START;
    const limit = query.limit ?? FEED_PAGE_DEFAULT;
    const { rows, horizon } = await this.reads.feed({ orgId, after, types: query.types?.split(','), limit });
    const has_more = rows.length > limit;
    const page = rows.slice(0, limit);
    // A page that is not full holds every visible event past `after`; whatever becomes visible
    // later sorts after the horizon, so the next poll can start there (an empty page moves on too).
    const last = page[page.length - 1];
    const next = has_more ? { txid: last.txid, sequence: last.sequence } : later(after, { txid: horizon, sequence: '0' });
    return { events: page.map(toEventResponse), next_cursor: this.cursors.encode([next.txid, next.sequence], scope), has_more };
  }

  async audit(orgId: string | undefined, query: AuditQueryDto): Promise<AuditLogResponse> {
    const { cursor, limit: asked, ...filters } = query;
    const scope = cursorScope('audit', orgId ?? '*', filters.actor_id ?? null, filters.type ?? null, filters.target_id ?? null, filters.from ?? null, filters.to ?? null);
    const before = cursor ? this.auditPosition(cursor, scope) : undefined;
    const limit = asked ?? FEED_PAGE_DEFAULT;
    const rows = await this.reads.audit({ orgId, actorId: filters.actor_id, type: filters.type, targetId: filters.target_id, from: filters.from, to: filters.to, before, limit });
    const page = this.cursors.page(rows, limit, scope, (row) => [row.sequence]);
    return { events: page.items.map(toEventResponse), next_cursor: page.next_cursor, has_more: page.has_more };
  }

  /** The feed names its cursor `after`, so a bad one is reported there. */
  private feedPosition(cursor: string, scope: string): FeedPosition {
    try {
      const [txid, sequence, extra] = this.cursors.decode(cursor, scope);
      if (typeof txid !== 'string' || typeof sequence !== 'string' || extra !== undefined || !DIGITS.test(txid) || !DIGITS.test(sequence)) throw invalidCursor(cursor);
      return { txid, sequence };
    } catch (error) {
      if (!(error instanceof RequestValidationError)) throw error;
      throw new RequestValidationError(error.detail.map((e) => ({ ...e, loc: ['query', 'after'] })));
    }
  }

  private auditPosition(cursor: string, scope: string): string {
    const [sequence, extra] = this.cursors.decode(cursor, scope);
    if (typeof sequence !== 'string' || extra !== undefined || !DIGITS.test(sequence)) throw invalidCursor(cursor);
    return sequence;
  }
}

function later(a: FeedPosition, b: FeedPosition): FeedPosition {
  const [ta, tb] = [BigInt(a.txid), BigInt(b.txid)];
  if (ta !== tb) return ta > tb ? a : b;
  return BigInt(a.sequence) >= BigInt(b.sequence) ? a : b;
}
