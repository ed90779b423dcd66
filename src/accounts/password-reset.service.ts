import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { PasswordHasher } from '../auth/password-hasher.js';
import { KeyedRateLimiter } from '../auth/rate-limit/keyed-rate-limiter.js';
import { RefreshTokens } from '../auth/refresh-tokens.js';
import type { RequestContext } from '../common/request-context.js';
import { transaction } from '../database/transaction.js';
import { EventsService } from '../events/events.service.js';
import { JobsService, type Job } from '../jobs/jobs.service.js';
import { toUserResponse } from '../users/user-response.js';
import { AccountMailer } from './account-mailer.js';
import { AccountTokensRepository } from './account-tokens.repository.js';
import { AccountTokens } from './account-tokens.js';
import { ACCOUNTS_OPTIONS, type AccountsOptions } from './accounts.options.js';

const QUEUE = 'password_reset_request';
const HOUR_MS = 3_600_000;
/** Spent and expired links are kept a week, so a late click hears "expired" rather than "unknown". */
const KEEP_STALE_SECONDS = 7 * 86_400;

/** A reset request as queued: the address as typed, and who asked (for the event). */
interface ResetRequest {
  email: string;
  ctx: RequestContext;
}

/** An address as the unique index compares it, near enough for counting requests per address. */
const foldEmail = (email: string) => email.trim().normalize('NFKC').toLowerCase();

/**
 * Password reset by mailed link. A request only queues a job, the same work whether or not the
 * address belongs to an account, so neither its answer nor its time tells which; the job looks the
 * account up and mails the link. Following the link sets the password, verifies the address and
 * signs the user out everywhere.
 */
@Injectable()
export class PasswordResetService implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tokens: AccountTokens,
    private readonly repository: AccountTokensRepository,
    private readonly mailer: AccountMailer,
    private readonly events: EventsService,
    private readonly jobs: JobsService,
    private readonly limiter: KeyedRateLimiter,
    private readonly hasher: PasswordHasher,
    private readonly refreshTokens: RefreshTokens,
    @Inject(ACCOUNTS_OPTIONS) private readonly options: AccountsOptions,
  ) {}

  onModuleInit(): void {
    this.jobs.register<ResetRequest>(QUEUE, (job) => this.mailLink(job), { concurrency: 2 });
    this.jobs.every('account_tokens_purge', HOUR_MS, () => this.repository.deleteStale(KEEP_STALE_SECONDS));
  }

  async request(ctx: RequestContext, email: string): Promise<void> {
    await this.limiter.hit('password_reset', 'email', foldEmail(email), this.options.passwordResetPerEmailPerHour, HOUR_MS);
    await transaction(this.dataSource, (m) => this.jobs.enqueue(m, QUEUE, { email, ctx } satisfies ResetRequest));
    this.jobs.nudge();
  }

  /** The queued request: a link for an active account with that address (older links voided), else nothing. */
  private async mailLink(job: Job<ResetRequest>): Promise<void> {
    const { email, ctx } = job.payload;
    const mailed = await transaction(this.dataSource, async (m) => {
      const user = await this.repository.lockActiveByEmail(m, email);
      if (!user) return false;
      await this.repository.voidOpen(m, user.user_id, 'password_reset');
      await this.mailer.send(m, 'password_reset', user, await this.tokens.create(m, 'password_reset', user));
      await this.events.record(m, ctx, { type: 'user.password_reset_requested', target: { type: 'user', id: user.user_id } });
      return true;
    });
    if (mailed) this.mailer.flush();
  }

  /**
   * Follows a link. The link is checked before the new password is hashed (an unknown one costs no
   * hashing), and spent in the transaction that writes the password.
   */
  async reset(ctx: RequestContext, token: string, newPassword: string): Promise<void> {
    await this.tokens.check('password_reset', token);
    const hash = await this.hasher.hash(newPassword);
    await transaction(this.dataSource, async (m) => {
      const userId = await this.tokens.spend(m, 'password_reset', token);
      await this.repository.voidOpen(m, userId, 'password_reset');
      const user = toUserResponse(await this.repository.resetPassword(m, userId, hash));
      // Signed out everywhere: refresh families and, through them and the revocation stamp, access tokens.
      await this.refreshTokens.revokeAllForUser(userId, m);
      await this.events.record(m, ctx, { type: 'user.password_reset', target: { type: 'user', id: userId }, data: { ...user } });
    });
  }
}
