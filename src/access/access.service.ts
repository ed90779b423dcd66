import { Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { ForbiddenError, NotFoundError } from '../common/errors/app-error.js';
import { UUID_PATTERN } from '../common/validation/uuid.js';
import { ReadRouter } from '../database/replicas/read-router.js';
import { isPlatformAdmin, type User } from '../database/entities/user.entity.js';
import type { Permission } from './permissions.js';
import { ScopeRepository } from './scope.repository.js';
import { canSeeOrg, canSeeWorkspace, effectiveWorkspaceRole, hasPermission, type ResolvedScope, type ScopeRef } from './scope.js';

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
   * transaction, after its locks; without one, a replica fresh enough for the caller may answer.
   */
  async resolve(user: User, ref: ScopeRef, manager?: EntityManager): Promise<ResolvedScope> {
    const platformAdmin = isPlatformAdmin(user);
    if (!ref.orgId && !ref.workspaceId) {
      return { orgId: null, workspaceId: null, platformAdmin, orgRole: null, workspaceRole: null, effectiveWorkspaceRole: null };
    }
    if (ref.orgId && !UUID_PATTERN.test(ref.orgId)) throw new NotFoundError('organization', ref.orgId);
    if (ref.workspaceId && !UUID_PATTERN.test(ref.workspaceId)) throw notFound(ref);
    const row = await this.scopes.standing(manager ?? (await this.reads.manager(user.user_id)), ref, user.user_id);
    const scope: ResolvedScope = {
      orgId: row.org_id,
      workspaceId: row.workspace_id,
      platformAdmin,
      orgRole: row.org_role,
      workspaceRole: row.workspace_role,
      effectiveWorkspaceRole: row.workspace_id ? effectiveWorkspaceRole(row.workspace_role, row.org_role, platformAdmin) : null,
    };
    if (ref.orgId && (!scope.orgId || !canSeeOrg(scope))) throw new NotFoundError('organization', ref.orgId);
    if (ref.workspaceId && (!scope.workspaceId || !canSeeWorkspace(scope))) throw notFound(ref);
    return scope;
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

function notFound(ref: ScopeRef): NotFoundError {
  return new NotFoundError('workspace', ref.workspaceId!);
}
