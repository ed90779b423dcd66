import type { IncomingMessage } from 'node:http';
import { Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { ForbiddenError, NotFoundError } from '../common/errors/app-error.js';
import { UUID_PATTERN } from '../common/validation/uuid.js';
import { ReadRouter } from '../database/replicas/read-router.js';
import { mayWrite } from '../database/replicas/reads-only.js';
import { isPlatformAdmin, type User } from '../database/entities/user.entity.js';
import type { Permission } from './permissions.js';
import { grantOf, type KeyGrant } from './principal.js';
import { ScopeRepository } from './scope.repository.js';
import { canSeeOrg, canSeeWorkspace, hasPermission, standingOf, type ResolvedScope, type ScopeRef, type StandingRow } from './scope.js';

/** No one's id: an organization key's standing is its org's, never a membership of its own. */
const NO_MEMBER = '00000000-0000-0000-0000-000000000000';

/** Decides visibility (404) and permission (403) for a caller in an org or workspace scope. */
@Injectable()
export class AccessService {
  private readonly reads: ReadRouter;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly scopes: ScopeRepository,
    // Absent where the module serves another application without this service's DatabaseModule.
    @Optional() reads?: ReadRouter,
  ) {
    this.reads = reads ?? ReadRouter.primaryOnly(this.dataSource);
  }

  /**
   * The caller's standing in the scope. A scope that does not exist, or that the caller cannot see,
   * is 404 of its own type (never 403, so existence is not leaked). Pass `manager` to read inside a
   * transaction, after its locks; without one, a replica fresh enough for the caller may answer
   * (the primary's own manager for a request that may write: see `readerFor`). A caller
   * authenticated by an API key is held to that key.
   */
  async resolve(user: User, ref: ScopeRef, manager?: EntityManager): Promise<ResolvedScope> {
    const grant = grantOf(user);
    const platformAdmin = !grant?.orgId && isPlatformAdmin(user);
    if (!ref.orgId && !ref.workspaceId) return standingOf(EMPTY_ROW, platformAdmin, grant);
    const invalid = malformedRef(ref);
    if (invalid) throw invalid;
    const db = manager ?? (await this.reads.manager(user.user_id));
    const row = await this.scopes.standing(db, ref, grant?.orgId ? NO_MEMBER : user.user_id);
    return visibleScope(ref, standingOf(row, platformAdmin, grant));
  }

  /** Where a request's permission lookups read: the primary for one that may write, else the router decides. */
  readerFor(req: IncomingMessage): EntityManager | undefined {
    return mayWrite(req) ? this.dataSource.manager : undefined;
  }

  /** 403 naming exactly `permission` unless the caller holds it in the resolved scope. */
  assertPermission(scope: ResolvedScope, permission: Permission): void {
    if (!hasPermission(scope, permission)) throw new ForbiddenError(permission);
  }

  /** Visibility then permission, for services that check a permission only in some cases. */
  async authorize(user: User, permission: Permission, ref: ScopeRef): Promise<ResolvedScope> {
    const scope = await this.resolve(user, ref);
    this.assertPermission(scope, permission);
    return scope;
  }
}

export const EMPTY_ROW: StandingRow = { org_id: null, org_role: null, workspace_id: null, workspace_role: null };

/** An id that cannot name anything is a 404 of what it names, without a query. */
export function malformedRef(ref: ScopeRef): NotFoundError | null {
  if (ref.orgId && !UUID_PATTERN.test(ref.orgId)) return new NotFoundError('organization', ref.orgId);
  if (ref.workspaceId && !UUID_PATTERN.test(ref.workspaceId)) return new NotFoundError('workspace', ref.workspaceId);
  return null;
}

/** The scope if the caller may see what `ref` names; a 404 of the first thing it may not see otherwise. */
export function visibleScope(ref: ScopeRef, scope: ResolvedScope): ResolvedScope {
  if (ref.orgId && (!scope.orgId || !canSeeOrg(scope))) throw new NotFoundError('organization', ref.orgId);
  if (ref.workspaceId && (!scope.workspaceId || !canSeeWorkspace(scope))) throw new NotFoundError('workspace', ref.workspaceId);
  return scope;
}

export type { KeyGrant };
