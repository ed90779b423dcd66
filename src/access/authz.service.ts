import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ForbiddenError, NotFoundError } from '../common/errors/app-error.js';
import { RequestValidationError } from '../common/validation/pydantic-errors.js';
import { isPlatformAdmin, type User } from '../database/entities/user.entity.js';
import { AccessService, EMPTY_ROW, visibleScope } from './access.service.js';
import { AuthzClient, type AuthzQuestion } from './authz-client.js';
import { effectivePermissions } from './effective-permissions.js';
import type { EffectivePermissionsResponse, EvaluationItemDto, EvaluationsRequest } from './evaluation.dto.js';
import { grantOf } from './principal.js';
import { ScopeRepository } from './scope.repository.js';
import { hasPermission, standingOf, type ScopeRef } from './scope.js';

/**
 * The evaluation API and effective permissions, for callers over HTTP: who may ask what, on top of
 * the answers `AuthzClient` and `AccessService` give.
 */
@Injectable()
export class AuthzService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly client: AuthzClient,
    private readonly scopes: ScopeRepository,
  ) {}

  /**
   * Decisions in order. A caller may always ask about itself; a question about anyone else needs
   * `authz:check` (platform admins; an organization key granted it, whose answers outside its org
   * are all `false`, as its own requests there would be 404).
   */
  async evaluate(caller: User, questions: AuthzQuestion[]): Promise<boolean[]> {
    const grant = grantOf(caller);
    const self = grant?.orgId ? null : caller.user_id;
    if (questions.some((q) => q.subject.id.toLowerCase() !== self) && !mayAskAboutOthers(caller)) throw new ForbiddenError('authz:check');
    const answers = await this.client.answer(questions);
    return answers.map((a) => a.decision && (!grant?.orgId || a.resourceOrgId === grant.orgId));
  }

  /** The caller's own permissions in a scope: the guard's resolution of the caller, listed. */
  async mine(caller: User, ref: ScopeRef): Promise<EffectivePermissionsResponse> {
    return effectivePermissions(caller.user_id, await this.access.resolve(caller, ref));
  }

  /** A member's permissions in a workspace the caller may read members of; 404 when they hold nothing there. */
  async ofMember(orgId: string, workspaceId: string, memberId: string): Promise<EffectivePermissionsResponse> {
    const ref = { orgId, workspaceId };
    const [row] = await this.scopes.subjectStandings(this.dataSource, [{ userId: memberId, ...ref }]);
    const scope = standingOf(row ?? EMPTY_ROW, isPlatformAdmin({ roles: row?.roles ?? [] }));
    if (!row?.subject_id || (!scope.platformAdmin && !scope.orgRole && !scope.workspaceRole)) throw new NotFoundError('member', memberId);
    return effectivePermissions(memberId, visibleScope(ref, scope));
  }
}

function mayAskAboutOthers(caller: User): boolean {
  const grant = grantOf(caller);
  if (grant?.orgId) return !!grant.scopes?.has('authz:check');
  return hasPermission(standingOf(EMPTY_ROW, isPlatformAdmin(caller), grant), 'authz:check');
}

/** The batch's items with its defaults filled in; an item still missing a part is a 422 at its place. */
export function questionsOf(body: EvaluationsRequest): AuthzQuestion[] {
  const problems: RequestValidationError['detail'] = [];
  const questions = body.evaluations.map((item: EvaluationItemDto, i) => {
    const subject = item.subject ?? body.subject;
    const action = item.action ?? body.action;
    const resource = item.resource ?? body.resource;
    for (const [field, value] of [['subject', subject], ['action', action], ['resource', resource]] as const) {
      if (!value) problems.push({ type: 'missing', loc: ['body', 'evaluations', i, field], msg: 'Field required', input: item });
    }
    return { subject: subject!, permission: action?.name as AuthzQuestion['permission'], resource: resource! };
  });
  if (problems.length > 0) throw new RequestValidationError(problems);
  return questions;
}
