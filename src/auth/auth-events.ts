import type { RequestContext } from '../common/request-context.js';
import type { NewEvent } from '../events/event-types.js';

/** Why a login failed, as its event says (the client hears the same 401 either way). */
export type LoginFailure = 'invalid_credentials' | 'account_disabled';

/** The longest login an event keeps of an unknown account (an email is at most 254 characters). */
const LOGIN_MAX = 254;

/** What an authentication event is about: the account, once the login names one. */
const userTarget = (userId: string) => ({ type: 'user', id: userId });

/** A signed-in user acts as themself, even on the public login route. */
export function asUser(ctx: RequestContext, userId: string): RequestContext {
  return { ...ctx, actor: { type: 'user', id: userId } };
}

export function loginSucceeded(userId: string): NewEvent {
  return { type: 'auth.login_succeeded', target: userTarget(userId), data: null };
}

/**
 * A failed login names the account it matched; a login that matches no account names the login
 * itself (target type `login`, folded the way the unique indexes compare), so repeated guesses at
 * one name can be found in the audit log.
 */
export function loginFailed(userId: string | null, folded: string, reason: LoginFailure): NewEvent {
  const target = userId ? userTarget(userId) : { type: 'login', id: folded.slice(0, LOGIN_MAX) };
  return { type: 'auth.login_failed', target, data: { reason } };
}

export function refreshReuseDetected(userId: string, familyId: string): NewEvent {
  return { type: 'auth.refresh_reuse_detected', target: userTarget(userId), data: { family_id: familyId } };
}

export function loggedOut(userId: string, familyId: string | null): NewEvent {
  return { type: 'auth.logged_out', target: userTarget(userId), data: { family_id: familyId } };
}
