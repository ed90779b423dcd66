import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessModule } from '../access/access.module.js';
import { EventsModule } from '../events/events.module.js';
import { MembersController } from './members.controller.js';
import { MembershipsRepository } from './memberships.repository.js';
import { MembershipsService } from './memberships.service.js';
import { OrgMember } from '../database/entities/org-member.entity.js';
import { OrgMembersController } from './org-members.controller.js';
import { WorkspaceMember } from '../database/entities/workspace-member.entity.js';

/** Organization and workspace memberships: list, add, change role, remove, with the owner invariants. */
@Module({
  imports: [TypeOrmModule.forFeature([OrgMember, WorkspaceMember]), AccessModule, EventsModule],
  controllers: [OrgMembersController, MembersController],
  providers: [MembershipsRepository, MembershipsService],
  exports: [MembershipsService],
})
export class MembersModule {}
