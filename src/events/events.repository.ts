import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { RequestContext } from '../common/request-context.js';
import type { NewEvent } from './event-types.js';

/** The events table's SQL. */
@Injectable()
export class EventsRepository {
  async insert(m: EntityManager, ctx: RequestContext, event: NewEvent): Promise<void> {
    await m.query(
      `INSERT INTO events (type, actor_type, actor_id, org_id, workspace_id, target_type, target_id, data, changes, request_id, ip, user_agent)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        event.type,
        ctx.actor.type,
        ctx.actor.id,
        event.orgId ?? null,
        event.workspaceId ?? null,
        event.target.type,
        event.target.id,
        event.data ?? null,
        event.changes ?? null,
        ctx.requestId,
        ctx.ip,
        ctx.userAgent,
      ],
    );
  }
}
