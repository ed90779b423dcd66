import { Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module.js';
import { EventsModule } from '../events/events.module.js';
import { UsersController } from './users.controller.js';
import { UsersListService } from './users-list.service.js';
import { UsersRepository } from './users.repository.js';
import { UsersService } from './users.service.js';

/**
 * `/v1/users`. Needs `AuthModule.forRoot(…)` registered at the root (it is global: password hashing
 * and refresh tokens come from it) and a TypeORM `DataSource`.
 */
@Module({
  imports: [AccessModule, EventsModule],
  controllers: [UsersController],
  providers: [UsersRepository, UsersService, UsersListService],
  exports: [UsersService],
})
export class UsersModule {}
