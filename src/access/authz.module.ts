import { Module } from '@nestjs/common';
import { AccessModule } from './access.module.js';
import { AuthzService } from './authz.service.js';
import { AuthzenConfigurationController, EffectivePermissionsController, EvaluationController } from './authz.controller.js';

/** The endpoints of access: the AuthZEN evaluation API, its discovery document, effective permissions. */
@Module({
  imports: [AccessModule],
  controllers: [EvaluationController, AuthzenConfigurationController, EffectivePermissionsController],
  providers: [AuthzService],
})
export class AuthzModule {}
