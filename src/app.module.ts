import { randomBytes } from 'node:crypto';
import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { AccessModule } from './access/access.module.js';
import { AccountsModule } from './accounts/accounts.module.js';
import { AuthzModule } from './access/authz.module.js';
import { PermissionGuard } from './access/permission.guard.js';
import { AuthModule } from './auth/auth.module.js';
import { JwtAuthGuard } from './auth/jwt-auth.guard.js';
import { CommonModule } from './common/common.module.js';
import { HttpConditionsModule } from './common/http/http-conditions.module.js';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter.js';
import { createLogging, ROOT_LOGGER } from './common/logging.js';
import { PydanticValidationPipe } from './common/validation/validation.pipe.js';
import { AppConfigModule } from './config/config.module.js';
import type { AppConfig } from './config/config.js';
import { DatabaseModule } from './database/database.module.js';
import { EventsModule } from './events/events.module.js';
import { EventFeedModule } from './events/feed/event-feed.module.js';
import { HealthModule } from './health/health.module.js';
import { InvitationsModule } from './invitations/invitations.module.js';
import { JobsModule } from './jobs/jobs.module.js';
import { MailModule } from './mail/mail.module.js';
import { MembersModule } from './members/members.module.js';
import { UsersModule } from './users/users.module.js';
import { WorkspacesModule } from './workspaces/workspaces.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';

/** Composes the service. Guards run in the order listed: authentication (which also sets no-store), then permission. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig & { databaseUrl: string }): DynamicModule {
    const logger = createLogging(config.logLevel);
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(config),
        DatabaseModule.forRoot({
          url: config.databaseUrl,
          migrationUrl: config.databaseMigrationUrl,
          poolSize: config.dbPoolSize,
          outageSummarySeconds: config.logOutageSummarySeconds,
          replicas: config.replicas,
          redisUrl: config.redisUrl,
        }),
        CommonModule,
        HttpConditionsModule.forRoot(config.httpConditions),
        EventsModule,
        JobsModule.forRoot(config.jobs),
        MailModule.forRoot(config.mail),
        AuthModule.forRoot({
          ...config.jwt,
          argon2: config.argon2,
          rateLimit: config.rateLimit,
          redisUrl: config.redisUrl,
          bootstrapAdmin: { email: config.adminEmail, password: config.adminPassword },
        }),
        AccessModule,
        AuthzModule,
        UsersModule,
        AccountsModule.forRoot({
          ...config.accounts,
          passwordResetPerEmailPerHour: config.rateLimit.passwordResetPerEmailPerHour,
          logLinksWithoutMail: config.nodeEnv !== 'production',
        }),
        WorkspacesModule,
        MembersModule,
        EventFeedModule.forRoot({ retentionDays: config.eventRetentionDays }),
        WebhooksModule.forRoot({
          ...config.webhooks,
          // Outside production a missing key is generated at start (kept under DATA_DIR by the server).
          secretKey: config.webhooks.secretKey ?? randomBytes(32).toString('base64'),
          retentionDays: config.eventRetentionDays,
        }),
        InvitationsModule,
        HealthModule,
      ],
      providers: [
        { provide: ROOT_LOGGER, useValue: logger },
        { provide: APP_GUARD, useClass: JwtAuthGuard },
        { provide: APP_GUARD, useExisting: PermissionGuard },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        { provide: APP_PIPE, useClass: PydanticValidationPipe },
      ],
    };
  }
}
