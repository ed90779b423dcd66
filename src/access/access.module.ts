import { Module } from '@nestjs/common';
import { AccessService } from './access.service.js';
import { PermissionGuard } from './permission.guard.js';

/** The permission guard and the service behind it; import it wherever a permission is checked. */
@Module({
  providers: [AccessService, PermissionGuard],
  exports: [AccessService, PermissionGuard],
})
export class AccessModule {}
