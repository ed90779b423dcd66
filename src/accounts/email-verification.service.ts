import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { RequestContext } from '../common/request-context.js';
import type { User } from '../database/entities/user.entity.js';
import { transaction } from '../database/transaction.js';
import { EventsService } from '../events/events.service.js';
import type { UserResponse } from '../users/dto/user-response.dto.js';
import type { EmailChangeListener } from '../users/email-change.js';
import { toUserResponse } from '../users/user-response.js';
import { alreadyVerified } from './account-errors.js';
import { AccountMailer } from './account-mailer.js';
import { AccountTokensRepository } from './account-tokens.repository.js';
import { AccountTokens } from './account-tokens.js';

/**
 * Email verification: a link mailed on request, on sign-up and on every change of address; following
 * it marks the address verified. Also the users feature's listener for email changes.
 */
@Injectable()
export class EmailVerificationService implements EmailChangeListener {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tokens: AccountTokens,
    private readonly repository: AccountTokensRepository,
    private readonly mailer: AccountMailer,
    private readonly events: EventsService,
  ) {}

  /** Mails a new link to the caller, as the guard loaded them on this request. */
  async request(_ctx: RequestContext, user: User): Promise<void> {
    if (user.is_verified) throw alreadyVerified();
    await transaction(this.dataSource, (m) => this.mailLink(m, user));
    this.mailer.flush();
  }

  /** A link to `user`'s current address, queued in `m`'s transaction (call `committed` after it). */
  async mailLink(m: EntityManager, user: { user_id: string; email: string }): Promise<void> {
    const token = await this.tokens.create(m, 'verify_email', user);
    await this.mailer.send(m, 'verify_email', user, token);
  }

  emailChanged(m: EntityManager, user: UserResponse): Promise<void> {
    return this.mailLink(m, user);
  }

  committed(): void {
    this.mailer.flush();
  }

  /** Follows a link: the address it was sent to, still the user's, is verified. */
  async confirm(ctx: RequestContext, token: string): Promise<UserResponse> {
    return transaction(this.dataSource, async (m) => {
      const userId = await this.tokens.spend(m, 'verify_email', token);
      const user = toUserResponse(await this.repository.markVerified(m, userId));
      await this.events.record(m, ctx, { type: 'user.email_verified', target: { type: 'user', id: userId }, data: { ...user } });
      return user;
    });
  }
}
