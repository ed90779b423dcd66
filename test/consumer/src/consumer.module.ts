import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import {
  AccessModule,
  AllExceptionsFilter,
  AuthModule,
  HttpConditionsModule,
  JwtAuthGuard,
  MembersModule,
  PaginationModule,
  PermissionGuard,
  PydanticValidationPipe,
  UsersModule,
  WorkspacesModule,
} from 'identity-service';
import { ReportsController } from './reports.controller.js';

export interface ConsumerSettings {
  /** The identity service's database: the guards read users and memberships from it. */
  databaseUrl: string;
  /** The identity service's token settings, so its access tokens verify here. */
  jwtSecret: string;
  issuer: string;
  audience: string;
}

/**
 * What an outside service writes: its own DataSource on the identity database, the auth module in
 * verify-only mode (no `/v1/auth/*`), the access module, the global guards, filter and pipe; and,
 * to serve the identity endpoints itself, the users, workspaces and members modules with the
 * cursor codec their lists need and the conditional-request and idempotency support their routes use.
 */
@Module({})
export class ConsumerModule {
  static forRoot(settings: ConsumerSettings): DynamicModule {
    return {
      module: ConsumerModule,
      imports: [
        TypeOrmModule.forRoot({ type: 'postgres', url: settings.databaseUrl, autoLoadEntities: true, extra: { max: 2 } }),
        AuthModule.forRoot({
          secret: settings.jwtSecret,
          issuer: settings.issuer,
          audience: settings.audience,
          accessTtlSeconds: 900,
          refreshTtlSeconds: 30 * 86_400,
          mountControllers: false,
        }),
        AccessModule,
        PaginationModule.forRoot({ secret: settings.jwtSecret }),
        HttpConditionsModule.forRoot(),
        UsersModule,
        WorkspacesModule,
        MembersModule,
      ],
      controllers: [ReportsController],
      providers: [
        // Order matters: authenticate first, then check the permission.
        { provide: APP_GUARD, useExisting: JwtAuthGuard },
        { provide: APP_GUARD, useExisting: PermissionGuard },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        { provide: APP_PIPE, useClass: PydanticValidationPipe },
      ],
    };
  }
}
