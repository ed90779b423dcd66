import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessModule } from '../access/access.module.js';
import { OrgMember } from './org-member.entity.js';
import { OrgMembersController } from './org-members.controller.js';
import { OrgMembersService } from './org-members.service.js';
import { Organization } from './organization.entity.js';
import { OrganizationsController } from './organizations.controller.js';
import { OrganizationsRepository } from './organizations.repository.js';
import { OrganizationsService } from './organizations.service.js';
import { Workspace } from './workspace.entity.js';
import { WorkspacesController } from './workspaces.controller.js';
import { WorkspacesRepository } from './workspaces.repository.js';
import { WorkspacesService } from './workspaces.service.js';

/** Organizations, their members, and their workspaces. */
@Module({
  imports: [TypeOrmModule.forFeature([Organization, OrgMember, Workspace]), AccessModule],
  controllers: [OrganizationsController, OrgMembersController, WorkspacesController],
  providers: [OrganizationsRepository, OrganizationsService, OrgMembersService, WorkspacesRepository, WorkspacesService],
  exports: [OrganizationsService, WorkspacesService],
})
export class WorkspacesModule {}
