import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { RefreshTokens } from '../auth/refresh-tokens.js';
import { TokenService } from '../auth/token.service.js';
import type { RequestContext } from '../common/request-context.js';
import { transaction } from '../database/transaction.js';
import { EventsService } from '../events/events.service.js';
import { UsersService } from '../users/users.service.js';
import type { SignupRequest, SignupResponse } from './dto/accounts.dto.js';
import { EmailVerificationService } from './email-verification.service.js';

/**
 * Open sign-up: a user created by the rules of `POST /v1/users` (so its duplicates and field
 * errors), with an unverified address, a verification mail and a first login, in one transaction.
 */
@Injectable()
export class SignupService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersService,
    private readonly verification: EmailVerificationService,
    private readonly refreshTokens: RefreshTokens,
    private readonly tokens: TokenService,
    private readonly events: EventsService,
  ) {}

  async signup(ctx: RequestContext, dto: SignupRequest): Promise<SignupResponse> {
    const fields = { email: dto.email, username: dto.username, password: dto.password, full_name: dto.full_name };
    const hash = await this.users.hashPassword(fields.password);
    const { user, family } = await transaction(this.dataSource, async (m) => {
      const user = await this.users.createWithin(ctx, m, fields, hash);
      await this.verification.mailLink(m, user);
      const family = await this.refreshTokens.startSession(m, user.user_id, null);
      await this.events.record(m, ctx, { type: 'user.signed_up', target: { type: 'user', id: user.user_id }, data: { ...user } });
      return { user, family };
    }, ctx);
    this.verification.committed();
    return {
      user,
      access_token: await this.tokens.signAccessToken(user.user_id, family.familyId),
      refresh_token: family.token,
      token_type: 'bearer',
      expires_in: this.tokens.accessTtlSeconds,
    };
  }
}
