import { versionETag, withETag } from '../common/http/conditional/etag.js';
import type { MemberListResponse, MemberResponse, OrgMemberListResponse, OrgMemberResponse } from './member.dto.js';
import type { MembershipScope, OrgMembershipScope } from './membership-scope.js';
import type { MemberPage, MemberRow } from './memberships.repository.js';

/** The member fields both member objects share, in the reference's order after the scope ids. */
function memberFields(row: MemberRow) {
  return {
    role: row.role,
    username: row.username,
    email: row.email,
    full_name: row.full_name,
    avatar_url: row.avatar_url,
    added_by: row.added_by,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/** The member object of a scope's kind, and its list. */
export type MemberOf<S extends MembershipScope> = S extends OrgMembershipScope ? OrgMemberResponse : MemberResponse;
export type MemberListOf<S extends MembershipScope> = S extends OrgMembershipScope ? OrgMemberListResponse : MemberListResponse;

/** A membership row as the scope's member object: a workspace member leads with its `workspace_id`. */
export function toMemberResponse<S extends MembershipScope>(scope: S, row: MemberRow): MemberOf<S> {
  const member =
    scope.kind === 'org'
      ? { user_id: row.user_id, org_id: scope.orgId, ...memberFields(row) }
      : { workspace_id: scope.workspaceId, user_id: row.user_id, org_id: scope.orgId, ...memberFields(row) };
  return member as MemberOf<S>;
}

/** The tag of a member object: its membership row's version and its user row's. */
export function memberETag(row: Pick<MemberRow, 'member_version' | 'user_version'>): string {
  return versionETag(row.member_version, row.user_version);
}

/** One member as a response of its own, tagged for `ETag`. */
export function memberResource<S extends MembershipScope>(scope: S, row: MemberRow): MemberOf<S> {
  return withETag(toMemberResponse(scope, row), memberETag(row));
}

/** `{members, total}`, plus `has_more`/`next_cursor` when paging was asked for or the list was cut. */
export function memberListBody<S extends MembershipScope>(scope: S, page: MemberPage): MemberListOf<S> {
  const body = { members: page.rows.map((row) => toMemberResponse(scope, row)), total: page.total };
  const list = page.paged || page.has_more ? { ...body, has_more: page.has_more, next_cursor: page.next_cursor } : body;
  return list as MemberListOf<S>;
}
