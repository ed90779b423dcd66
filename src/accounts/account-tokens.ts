import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { tokenExpired, tokenNotFound } from './account-errors.js';
import { hashAccountToken, newAccountToken, sameHash, type TokenPurpose } from './account-token.js';
import { AccountTokensRepository, type TokenRow } from './account-tokens.repository.js';
import { ACCOUNTS_OPTIONS, type AccountsOptions } from './accounts.options.js';

/**
 * Mailed links: made in the transaction of the change that wants one, spent once. A link is
 * refused as unknown (404) when it was used or voided, is of another purpose, or was sent to an
 * address its user no longer has; a reset link also when the account is disabled. Past its expiry
 * it is gone (410).
 */
@Injectable()
export class AccountTokens {
  constructor(
    private readonly repository: AccountTokensRepository,
    @Inject(ACCOUNTS_OPTIONS) private readonly options: AccountsOptions,
  ) {}

  /** A new link for `user`'s current address; returns the token to mail. */
  async create(m: EntityManager, purpose: TokenPurpose, user: { user_id: string; email: string }): Promise<string> {
    const { token, hash } = newAccountToken();
    const ttl = purpose === 'verify_email' ? this.options.verifyEmailTtlSeconds : this.options.passwordResetTtlSeconds;
    await this.repository.insert(m, purpose, user, hash, ttl);
    return token;
  }

  /** Throws the 404 or 410 that spending `token` would answer, without spending it. */
  async check(purpose: TokenPurpose, token: string): Promise<void> {
    const hash = hashAccountToken(token);
    usable(await this.repository.find(hash), purpose, hash);
  }

  /** Spends `token` in `m`'s transaction, holding its user's and its own row locks; returns its user. */
  async spend(m: EntityManager, purpose: TokenPurpose, token: string): Promise<string> {
    const hash = hashAccountToken(token);
    const row = usable(await this.repository.lock(m, hash), purpose, hash);
    await this.repository.markUsed(m, row.token_id);
    return row.user_id;
  }
}

function usable(row: TokenRow | undefined, purpose: TokenPurpose, hash: Buffer): TokenRow {
  if (!row || !sameHash(row.token_hash, hash) || row.purpose !== purpose || row.used_at || !row.same_email) throw tokenNotFound(purpose);
  if (purpose === 'password_reset' && !row.is_active) throw tokenNotFound(purpose);
  if (row.expired) throw tokenExpired(purpose);
  return row;
}
