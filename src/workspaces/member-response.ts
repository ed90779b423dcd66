import type { MemberPage, MemberRow } from './member-list.js';

/** The member fields both member objects share, in the reference's order after the scope ids. */
export function memberFields(row: MemberRow) {
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

/** `{members, total}`, plus `has_more`/`next_cursor` when paging was asked for or the list was cut. */
export function memberListBody<T>(page: MemberPage, toMember: (row: MemberRow) => T) {
  const body = { members: page.rows.map(toMember), total: page.total };
  return page.paged || page.has_more ? { ...body, has_more: page.has_more, next_cursor: page.next_cursor } : body;
}
