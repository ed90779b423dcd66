// Compiled by test/unit/permission-types.test.ts, against the published declarations. Each
// `@ts-expect-error` must meet an error: if a misspelt permission ever compiles, tsc reports the
// directive as unused and the test fails.
import { AccessService, ForbiddenError, RequirePermission, type Permission, type ResolvedScope } from '../../dist/index.js';

export const known: Permission = 'members:add';
export const platformOnly: Permission = 'users:manage';
// @ts-expect-error: not a permission of the table
export const misspelt: Permission = 'memebrs:add';

export class Routes {
  @RequirePermission('members:add')
  add(): void {}

  // @ts-expect-error: the decorator takes only a permission of the table
  @RequirePermission('memebrs:add')
  typo(): void {}
}

export function checks(access: AccessService, scope: ResolvedScope): ForbiddenError {
  access.assertPermission(scope, 'workspaces:read');
  // @ts-expect-error: so does the access service
  access.assertPermission(scope, 'workspace:read');
  // @ts-expect-error: and the 403 error
  return new ForbiddenError('users:admin');
}
