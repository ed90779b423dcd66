import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppError } from '../common/errors/app-error.js';
import { isPlatformAdmin } from '../database/entities/user.entity.js';
import { malformedRef, visibleScope } from './access.service.js';
import type { Permission } from './permissions.js';
import { ScopeRepository, type StandingQuery, type SubjectStandingRow } from './scope.repository.js';
import { hasPermission, standingOf, type ScopeRef } from './scope.js';

export interface AuthzSubject {
  type: 'user';
  id: string;
}

export interface AuthzResource {
  type: 'workspace' | 'organization';
  id: string;
}

export interface AuthzQuestion {
  subject: AuthzSubject;
  permission: Permission;
  resource: AuthzResource;
}

/** An answer, with the org the resource belongs to (null when it does not exist). */
export interface AuthzAnswer {
  decision: boolean;
  resourceOrgId: string | null;
}

/**
 * Answers "may this user do this there?" in process, exactly as the permission guard would for
 * that user's request on a route declaring `permission` under `resource`: the same standing
 * query, the same row-to-role mapping, the same visibility and permission rules. A scope the user
 * cannot see, a user that does not exist or is disabled, is `false`. Many questions cost one query.
 */
@Injectable()
export class AuthzClient {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly scopes: ScopeRepository,
  ) {}

  async check(subject: AuthzSubject, permission: Permission, resource: AuthzResource): Promise<boolean> {
    const [answer] = await this.answer([{ subject, permission, resource }]);
    return answer.decision;
  }

  async checkMany(questions: readonly AuthzQuestion[]): Promise<boolean[]> {
    return (await this.answer(questions)).map((a) => a.decision);
  }

  /** The decisions, in order, with the org of each resource (what an organization key is confined to). */
  async answer(questions: readonly AuthzQuestion[]): Promise<AuthzAnswer[]> {
    const refs = questions.map((q) => refOf(q.resource));
    const asked: StandingQuery[] = questions.map((q, i) => ({ userId: q.subject.id.toLowerCase(), ...refs[i] }));
    const wellFormed = asked.map((item, i) => !malformedRef(refs[i]) && UUID.test(item.userId));
    const rows = await this.scopes.subjectStandings(this.dataSource, asked.filter((_, i) => wellFormed[i]));
    let next = 0;
    return questions.map((q, i) => (wellFormed[i] ? decide(rows[next++], refs[i], q.permission) : { decision: false, resourceOrgId: null }));
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function refOf(resource: AuthzResource): ScopeRef {
  return resource.type === 'organization' ? { orgId: resource.id.toLowerCase() } : { workspaceId: resource.id.toLowerCase() };
}

function decide(row: SubjectStandingRow, ref: ScopeRef, permission: Permission): AuthzAnswer {
  const resourceOrgId = row.org_id;
  if (!row.subject_id || !row.is_active) return { decision: false, resourceOrgId };
  try {
    const scope = visibleScope(ref, standingOf(row, isPlatformAdmin({ roles: row.roles ?? [] })));
    return { decision: hasPermission(scope, permission), resourceOrgId };
  } catch (error) {
    if (error instanceof AppError) return { decision: false, resourceOrgId };
    throw error;
  }
}
