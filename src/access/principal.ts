import type { Permission } from './permissions.js';

/**
 * What an API key adds to the caller of a request. A personal key acts as its owner (the request's
 * user) within `scopes` when it has them; an organization key is a principal of its own, confined
 * to `orgId` with exactly its `scopes`.
 */
export interface KeyGrant {
  keyId: string;
  /** Set for an organization key: the only org it acts in. */
  orgId: string | null;
  /** The permissions the key is limited to; null for a personal key that may do all its owner may. */
  scopes: ReadonlySet<Permission> | null;
}

/**
 * Grants keyed by the user object the authentication guard put on the request, so that every
 * `AccessService` call with that object (the guard's, and a service re-checking under its locks)
 * honours the key without a parameter of its own. Weak: the grant ends with its request.
 */
const grants = new WeakMap<object, KeyGrant>();

export function attachGrant(user: object, grant: KeyGrant): void {
  grants.set(user, grant);
}

export function grantOf(user: object | undefined): KeyGrant | undefined {
  return user ? grants.get(user) : undefined;
}

/** Whether the caller is an organization key rather than a person (or a person's key). */
export function isOrgKey(user: object | undefined): boolean {
  return !!grantOf(user)?.orgId;
}
