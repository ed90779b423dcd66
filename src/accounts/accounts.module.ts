import { Module, type DynamicModule } from '@nestjs/common';
import { EMAIL_CHANGE_LISTENER } from '../users/email-change.js';
import { UsersModule } from '../users/users.module.js';
import { AccountMailer } from './account-mailer.js';
import { AccountTokensRepository } from './account-tokens.repository.js';
import { AccountTokens } from './account-tokens.js';
import { AccountsController } from './accounts.controller.js';
import { ACCOUNTS_OPTIONS, type AccountsOptions } from './accounts.options.js';
import { EmailVerificationService } from './email-verification.service.js';
import { PasswordResetService } from './password-reset.service.js';
import { SignupController } from './signup.controller.js';
import { SignupService } from './signup.service.js';

/**
 * The account lifecycle under `/v1/auth`: email verification, password reset and (when enabled)
 * sign-up. Global so that the users feature finds its email-change listener here. Needs the auth
 * module with its controllers mounted (the rate limits), mail, jobs and events.
 */
@Module({})
export class AccountsModule {
  static forRoot(options: AccountsOptions): DynamicModule {
    return {
      module: AccountsModule,
      global: true,
      imports: [UsersModule],
      controllers: [AccountsController, ...(options.signupEnabled ? [SignupController] : [])],
      providers: [
        { provide: ACCOUNTS_OPTIONS, useValue: options },
        AccountTokensRepository,
        AccountTokens,
        AccountMailer,
        EmailVerificationService,
        PasswordResetService,
        SignupService,
        { provide: EMAIL_CHANGE_LISTENER, useExisting: EmailVerificationService },
      ],
      exports: [EMAIL_CHANGE_LISTENER],
    };
  }
}
