import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessModule } from '../access/access.module.js';
import { MembersController } from './members.controller.js';
import { MembersService } from './members.service.js';
import { WorkspaceMember } from './workspace-member.entity.js';

/** Workspace memberships: list, add, change role, remove, with the owner invariants. */
@Module({
  imports: [TypeOrmModule.forFeature([WorkspaceMember]), AccessModule],
  controllers: [MembersController],
  providers: [MembersService],
  exports: [MembersService],
})
export class MembersModule {}
