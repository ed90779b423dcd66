import { workspaceRank, type WorkspaceRole } from './roles.js';

/** A change to someone's membership: an add (`from` null), a role change, or a removal (`to` null). */
export interface MembershipChange {
  /** The role the caller acts with (effective: inheritance and platform admin included). */
  actorRole: WorkspaceRole | null;
  isSelf: boolean;
  from: WorkspaceRole | null;
  to: WorkspaceRole | null;
}

/**
 * Only an owner grants, changes or removes the `owner` role, and a non-owner cannot
 * touch another membership ranked at or above admin. Leaving and self-demotion stay allowed, up to
 * the last-owner rule which callers check separately. Org roles are a subset of workspace roles, so
 * the same rule serves org members.
 */
export function mayChangeMembership({ actorRole, isSelf, from, to }: MembershipChange): boolean {
  const actorIsOwner = actorRole === 'owner';
  if ((from === 'owner' || to === 'owner') && !actorIsOwner) return false;
  if (!actorIsOwner && !isSelf && from !== null && workspaceRank(from) <= workspaceRank('admin')) return false;
  return true;
}

/** Whether the change takes an `owner` membership away (and so needs another owner to remain). */
export function dropsOwner(from: WorkspaceRole | null, to: WorkspaceRole | null): boolean {
  return from === 'owner' && to !== 'owner';
}
