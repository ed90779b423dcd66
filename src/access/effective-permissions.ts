import type { EffectivePermissionsResponse } from './evaluation.dto.js';
import { permissionsIn, type ResolvedScope } from './scope.js';

/**
 * What a user may do in a resolved scope, listed by the same `hasPermission` the guard asks. The
 * role is the user's own membership there; the effective role and its source say where the
 * permissions come from: a platform admin acts as owner everywhere, an org admin or owner inherits
 * that role in each workspace unless their own membership there is as high.
 */
export function effectivePermissions(userId: string, scope: ResolvedScope): EffectivePermissionsResponse {
  const inWorkspace = scope.workspaceId !== null;
  const role = inWorkspace ? scope.workspaceRole : scope.orgRole;
  const effective = scope.platformAdmin ? 'owner' : inWorkspace ? scope.effectiveWorkspaceRole : scope.orgRole;
  return {
    user_id: userId,
    org_id: scope.orgId,
    workspace_id: scope.workspaceId,
    role,
    effective_role: effective,
    source: sourceOf(scope, role, effective),
    permissions: permissionsIn(scope),
  };
}

function sourceOf(scope: ResolvedScope, own: string | null, effective: string | null): EffectivePermissionsResponse['source'] {
  if (scope.platformAdmin) return 'platform';
  if (!effective) return null;
  return scope.workspaceId !== null && own === effective ? 'workspace' : 'org';
}

