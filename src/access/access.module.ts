import { Module } from '@nestjs/common';
import { AccessService } from './access.service.js';
import { AuthzClient } from './authz-client.js';
import { PermissionGuard } from './permission.guard.js';
import { ScopeRepository } from './scope.repository.js';

/** The permission guard and the service behind it; import it wherever a permission is checked. */
@Module({
  providers: [ScopeRepository, AccessService, PermissionGuard, AuthzClient],
  exports: [AccessService, PermissionGuard, AuthzClient, ScopeRepository],
})
export class AccessModule {}
