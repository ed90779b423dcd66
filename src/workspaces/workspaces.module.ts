import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessModule } from '../access/access.module.js';
import { EventsModule } from '../events/events.module.js';
import { Organization } from '../database/entities/organization.entity.js';
import { OrganizationsController } from './organizations.controller.js';
import { OrganizationsRepository } from './organizations.repository.js';
import { OrganizationsService } from './organizations.service.js';
import { Workspace } from '../database/entities/workspace.entity.js';
import { WorkspacesController } from './workspaces.controller.js';
import { WorkspacesRepository } from './workspaces.repository.js';
import { WorkspacesService } from './workspaces.service.js';

/** Organizations and their workspaces; their memberships are the members module's. */
@Module({
  imports: [TypeOrmModule.forFeature([Organization, Workspace]), AccessModule, EventsModule],
  controllers: [OrganizationsController, WorkspacesController],
  providers: [OrganizationsRepository, OrganizationsService, WorkspacesRepository, WorkspacesService],
  exports: [OrganizationsService, WorkspacesService],
})
export class WorkspacesModule {}
