import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { EntityManager } from 'typeorm';

/** Who did something: a person, an API key acting on its own, or the service itself (sweeps, purges). */
export interface Actor {
  type: 'user' | 'api_key' | 'system';
  id: string | null;
}

declare module 'node:http' {
  interface IncomingMessage {
    /** Set by the authentication guard when the caller is not simply `req.user` (an organization key). */
    actor?: Actor;
    /** Set on a conditional write by the conditional-request interceptor. */
    precondition?: Precondition;
    /** The transaction a request sent with an `Idempotency-Key` runs in, opened by its interceptor. */
    ambientManager?: EntityManager;
    /** Set by the authentication guard for a request authenticated by an API key: what per-caller limits count by. */
    apiKeyId?: string;
  }
}

/**
 * What a conditional write was asked to respect: the `If-Match` it was sent (as sent), and whether
 * the service requires one. The service compares it with the resource's tag under the row's lock.
 */
export interface Precondition {
  ifMatch?: string;
  required: boolean;
}

/**
 * What a write records about the request that caused it (the event's actor, request id, IP and
 * user agent). An explicit object handed to the services that write, not AsyncLocalStorage: on
 * Node 20 that would put a hook on every promise of every request, reads included.
 */
export interface RequestContext {
  actor: Actor;
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
  /** The write's `If-Match` precondition, when the route is conditional. */
  precondition?: Precondition;
  /**
   * A transaction already open for this request (an idempotent POST stores its outcome in it):
   * `transaction()` runs the service's work in it instead of opening one.
   */
  manager?: EntityManager;
}

/** Work the service does by itself, outside any request. */
export const SYSTEM_CONTEXT: RequestContext = Object.freeze({
  actor: Object.freeze({ type: 'system', id: null }),
  requestId: null,
  ip: null,
  userAgent: null,
}) as RequestContext;

const USER_AGENT_MAX = 512;

export function requestContextOf(req: Request): RequestContext {
  const user = req.user as { user_id?: string } | undefined;
  const actor: Actor = req.actor ?? (user?.user_id ? { type: 'user', id: user.user_id } : { type: 'system', id: null });
  const agent = req.headers['user-agent'];
  return {
    actor,
    requestId: req.id ?? null,
    ip: req.ip ?? null,
    userAgent: typeof agent === 'string' ? agent.slice(0, USER_AGENT_MAX) : null,
    precondition: req.precondition,
    manager: req.ambientManager,
  };
}

/** The request's context, for a handler that writes: `@Ctx() ctx: RequestContext`. */
export const Ctx = createParamDecorator((_data: unknown, context: ExecutionContext): RequestContext => {
  return requestContextOf(context.switchToHttp().getRequest<Request>());
});
