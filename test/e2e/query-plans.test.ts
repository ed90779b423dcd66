import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessTokenVerifier } from '../../dist/auth/access-token-verifier.js';
import { AuthService } from '../../dist/auth/auth.service.js';
import { SYSTEM_CONTEXT } from '../../dist/common/request-context.js';
import { RefreshTokensRepository } from '../../dist/auth/refresh-tokens.repository.js';
import { transaction } from '../../dist/database/transaction.js';
import { MembershipsRepository, type MemberListQuery } from '../../dist/members/memberships.repository.js';
import { orgScope, workspaceScope, type MembershipScope } from '../../dist/members/membership-scope.js';
import { UsersRepository, type UserFilter } from '../../dist/users/users.repository.js';
import { OrganizationsRepository } from '../../dist/workspaces/organizations.repository.js';
import { WorkspacesRepository } from '../../dist/workspaces/workspaces.repository.js';
import { createTestApp, signToken, type TestApp } from '../support/app.js';
import { explainAll, indexesOf, outline, recordStatements, seqScannedTables, type ExplainedStatement } from '../support/query-plans.js';
import { RARE_NAME, seedPlanFixture, type PlanFixture } from './query-plans.fixtures.js';

/**
 * The plans of the tuned queries, on tables large enough that PostgreSQL reads a whole table when
 * the index a query was written for is missing. Each test runs the repository method, explains
 * each statement it sent with the parameters it sent, and names the index the plan must use.
 */
let t: TestApp;
let f: PlanFixture;

beforeAll(async () => {
  t = await createTestApp();
  f = await seedPlanFixture(t.db);
}, 60_000);

afterAll(async () => {
  await t?.close();
});

const PAGE = 20;

async function plansOf(run: () => Promise<unknown>): Promise<ExplainedStatement[]> {
  const { sent } = await recordStatements(run);
  return explainAll(t.db, sent);
}

/** The statement holding `fragment`: exactly one must have been sent. */
function statement(plans: ExplainedStatement[], fragment: string): ExplainedStatement {
  const found = plans.filter((p) => p.text.includes(fragment));
  expect(found.map((p) => p.text), `one statement holding "${fragment}"`).toHaveLength(1);
  return found[0];
}

/** The plan reads `index`, and no table of the fixture by a sequential scan. */
function expectPlan(s: ExplainedStatement, ...indexes: string[]): void {
  const described = `${s.text.replace(/\s+/g, ' ').trim()}\n${outline(s.plan)}`;
  for (const index of indexes) expect(indexesOf(s.plan), described).toContain(index);
  expect(seqScannedTables(s.plan), described).toEqual([]);
}

/** Each statement holding the fragment reads those indexes; every statement sent was checked. */
function expectPlans(plans: ExplainedStatement[], expected: Record<string, string[]>): void {
  const checked = new Set<ExplainedStatement>();
  for (const [fragment, indexes] of Object.entries(expected)) {
    const s = statement(plans, fragment);
    expectPlan(s, ...indexes);
    checked.add(s);
  }
  expect(plans.filter((p) => !checked.has(p)).map((p) => p.text)).toEqual([]);
}

const USERS_PAGE = 'ORDER BY';
const CAPPED = 'LIMIT 1000) capped';

describe('UsersRepository', () => {
  const users = () => t.app.get(UsersRepository);
  const inWorkspace = (filter: UserFilter = {}): UserFilter => ({ workspaceId: f.bigWorkspaceId, ...filter });

  /** A page after the first `skip` rows of the list (the first page without `skip`). */
  async function pagePlans(filter: UserFilter, skip?: number): Promise<ExplainedStatement[]> {
    let after;
    if (skip !== undefined) {
      const last = (await users().page(filter, undefined, skip))[skip - 1];
      after = { createdAt: last._position.toISOString(), id: last.user_id };
    }
    return plansOf(() => users().page(filter, after, PAGE));
  }

  const countPlans = (filter: UserFilter) => plansOf(() => transaction(t.db, (m) => users().cappedCount(m, filter)));

  it('page of a workspace: first page on workspace_members_users_keyset_idx', async () => {
    expectPlans(await pagePlans(inWorkspace()), { [USERS_PAGE]: ['workspace_members_users_keyset_idx', 'users_pkey', 'workspaces_pkey'] });
  });

  it('page of a workspace: keyset page on workspace_members_users_keyset_idx', async () => {
    expectPlans(await pagePlans(inWorkspace(), 5_000), { [USERS_PAGE]: ['workspace_members_users_keyset_idx', 'users_pkey'] });
  });

  it('page of every user: first page on users_created_at_idx', async () => {
    expectPlans(await pagePlans({}), { [USERS_PAGE]: ['users_created_at_idx'] });
  });

  it('page of every user: keyset page on users_created_at_idx', async () => {
    expectPlans(await pagePlans({}, 5_000), { [USERS_PAGE]: ['users_created_at_idx'] });
  });

  it('page with a search: users_search_trgm_idx, in a workspace and over every user', async () => {
    expectPlans(await pagePlans(inWorkspace({ search: RARE_NAME })), { [USERS_PAGE]: ['users_search_trgm_idx', 'workspace_members_pkey'] });
    expectPlans(await pagePlans({ search: RARE_NAME }), { [USERS_PAGE]: ['users_search_trgm_idx'] });
  });

  it('cappedCount of a search: users_search_trgm_idx, in a workspace and over every user', async () => {
    expectPlans(await countPlans(inWorkspace({ search: RARE_NAME })), { [CAPPED]: ['users_search_trgm_idx', 'workspace_members_pkey'] });
    expectPlans(await countPlans({ search: RARE_NAME }), { [CAPPED]: ['users_search_trgm_idx'] });
  });

  it('page of inactive users: first and keyset page on users_inactive_keyset_idx', async () => {
    expectPlans(await pagePlans({ isActive: false }), { [USERS_PAGE]: ['users_inactive_keyset_idx'] });
    expectPlans(await pagePlans({ isActive: false }, 50), { [USERS_PAGE]: ['users_inactive_keyset_idx'] });
  });

  it('cappedCount of inactive users: users_inactive_keyset_idx', async () => {
    expectPlans(await countPlans({ isActive: false }), { [CAPPED]: ['users_inactive_keyset_idx'] });
  });
});

/** A position in the middle of the seeded rows, for a keyset page. */
const MIDDLE = { createdAt: '2024-01-01T10:00:00.000Z', id: '00000000-0000-4000-8000-000000000000' };

describe('OrganizationsRepository.page', () => {
  const page = (request: { memberId?: string; after?: typeof MIDDLE }) =>
    plansOf(() => t.app.get(OrganizationsRepository).page(t.db.manager, { limit: PAGE + 1, ...request }));

  it('every organization: first and keyset page on organizations_keyset_idx', async () => {
    for (const plans of [await page({}), await page({ after: MIDDLE })]) {
      expectPlan(statement(plans, 'ORDER BY o.created_at'), 'organizations_keyset_idx');
      // The total of every organization reads them all whatever the indexes: not a tuned query.
      statement(plans, 'count(*)');
    }
  });

  it("the caller's organizations: org_members_user_idx", async () => {
    expectPlans(await page({ memberId: f.memberId }), {
      'ORDER BY o.created_at': ['org_members_user_idx', 'organizations_pkey'],
      'count(*)': ['org_members_user_idx'],
    });
  });
});

describe('WorkspacesRepository.page', () => {
  const page = (request: { memberId?: string; after?: typeof MIDDLE }) =>
    plansOf(() => t.app.get(WorkspacesRepository).page(t.db.manager, { orgId: f.bigOrgId, limit: PAGE + 1, ...request }));

  it("an organization's workspaces: first and keyset page on workspaces_keyset_idx", async () => {
    for (const plans of [await page({}), await page({ after: MIDDLE })]) {
      expectPlans(plans, { 'ORDER BY w.created_at': ['workspaces_keyset_idx'], 'count(*)': [] });
    }
  });

  it("the caller's workspaces: workspace_members_user_idx", async () => {
    expectPlans(await page({ memberId: f.memberId }), {
      'ORDER BY w.created_at': ['workspace_members_user_idx', 'workspaces_pkey'],
      'count(*)': ['workspace_members_user_idx'],
    });
  });
});

describe('MembershipsRepository.list', () => {
  const list = (scope: MembershipScope, q: MemberListQuery) => plansOf(() => t.app.get(MembershipsRepository).list(t.db.manager, scope, q));
  const cursorAfter = async (scope: MembershipScope) => (await t.app.get(MembershipsRepository).list(t.db.manager, scope, { limit: 5_000 })).next_cursor!;
  const MEMBERS_PAGE = 'ORDER BY m.created_at';

  it('org members: first and keyset page on org_members_keyset_idx', async () => {
    const scope = orgScope(f.bigOrgId);
    for (const plans of [await list(scope, { limit: PAGE }), await list(scope, { limit: PAGE, cursor: await cursorAfter(scope) })]) {
      expectPlans(plans, { [MEMBERS_PAGE]: ['org_members_keyset_idx', 'users_pkey'], 'count(*)': [] });
    }
  });

  it('org members: search on users_search_trgm_idx', async () => {
    expectPlans(await list(orgScope(f.bigOrgId), { search: RARE_NAME }), {
      [MEMBERS_PAGE]: ['users_search_trgm_idx', 'org_members_pkey'],
      [CAPPED]: ['users_search_trgm_idx', 'org_members_pkey'],
    });
  });

  it('org members: role filter on org_members_keyset_idx', async () => {
    expectPlans(await list(orgScope(f.bigOrgId), { role: 'member' }), { [MEMBERS_PAGE]: ['org_members_keyset_idx'], 'count(*)': [] });
    // A rare role (1 in 50) is cheaper found by reading the scope through the primary key and sorting.
    expectPlans(await list(orgScope(f.bigOrgId), { role: 'admin' }), { [MEMBERS_PAGE]: ['org_members_pkey'], 'count(*)': [] });
  });

  it('workspace members: first and keyset page on workspace_members_keyset_idx', async () => {
    const scope = workspaceScope(f.bigOrgId, f.bigWorkspaceId);
    for (const plans of [await list(scope, { limit: PAGE }), await list(scope, { limit: PAGE, cursor: await cursorAfter(scope) })]) {
      expectPlans(plans, { [MEMBERS_PAGE]: ['workspace_members_keyset_idx', 'users_pkey'], member_count: ['workspaces_pkey'] });
    }
  });

  it('workspace members: search on users_search_trgm_idx', async () => {
    expectPlans(await list(workspaceScope(f.bigOrgId, f.bigWorkspaceId), { search: RARE_NAME }), {
      [MEMBERS_PAGE]: ['users_search_trgm_idx', 'workspace_members_pkey'],
      [CAPPED]: ['users_search_trgm_idx', 'workspace_members_pkey'],
    });
  });

  it('workspace members: role filter on workspace_members_keyset_idx', async () => {
    const scope = workspaceScope(f.bigOrgId, f.bigWorkspaceId);
    expectPlans(await list(scope, { role: 'member' }), { [MEMBERS_PAGE]: ['workspace_members_keyset_idx'], 'count(*)': [] });
    // A rare role (1 in 50) is cheaper found by reading the scope through the primary key and sorting.
    expectPlans(await list(scope, { role: 'admin' }), { [MEMBERS_PAGE]: ['workspace_members_pkey'], 'count(*)': [] });
  });
});

describe('sign-in and the per-request lookup', () => {
  it('AccessTokenVerifier.authenticate: users_pkey and refresh_tokens_live_family_idx', async () => {
    const token = await signToken({ sub: f.memberId, sid: f.familyId });
    expectPlans(await plansOf(() => t.app.get(AccessTokenVerifier).authenticate(`Bearer ${token}`)), {
      _session_live: ['users_pkey', 'refresh_tokens_live_family_idx'],
    });
  });

  it('AuthService.login: users_email_lower_key by email, users_username_lower_key by username', async () => {
    const login = (name: string) => plansOf(() => t.app.get(AuthService).login(SYSTEM_CONTEXT, name, 'not-the-password').catch(() => undefined));
    // A failed sign-in is recorded: one plain INSERT of its event.
    expectPlans(await login(f.memberEmail.toUpperCase()), { 'lower(u.email)': ['users_email_lower_key'], 'INSERT INTO events': [] });
    expectPlans(await login(f.memberUsername.toUpperCase()), { 'lower(u.username)': ['users_username_lower_key'], 'INSERT INTO events': [] });
  });

  it('RefreshTokensRepository.lockForRotation: refresh_tokens_hash_key', async () => {
    const rotation = t.app.get(RefreshTokensRepository);
    expectPlans(await plansOf(() => transaction(t.db, (m) => rotation.lockForRotation(m, f.tokenHash))), {
      'FOR KEY SHARE': ['refresh_tokens_hash_key', 'users_pkey'],
      'FOR UPDATE OF rt': ['refresh_tokens_hash_key', 'users_pkey'],
    });
  });
});
