import { Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module.js';
import { MembersModule } from '../members/members.module.js';
import { UsersModule } from '../users/users.module.js';
import { InvitationAcceptController } from './invitation-accept.controller.js';
import { InvitationAcceptService } from './invitation-accept.service.js';
import { InvitationsRepository } from './invitations.repository.js';
import { InvitationsService } from './invitations.service.js';
import { OptionalBearerGuard } from './optional-bearer.guard.js';
import { OrgInvitationsController } from './org-invitations.controller.js';
import { WorkspaceInvitationsController } from './workspace-invitations.controller.js';

/**
 * Invitations to an organization or a workspace, mailed through the background queue, accepted by
 * a signed-in user or by someone who opens an account with them. Needs the configuration, the
 * events, jobs and mail modules and `AuthModule` registered at the root.
 */
@Module({
  imports: [AccessModule, MembersModule, UsersModule],
  controllers: [OrgInvitationsController, WorkspaceInvitationsController, InvitationAcceptController],
  providers: [InvitationsRepository, InvitationsService, InvitationAcceptService, OptionalBearerGuard],
})
export class InvitationsModule {}
