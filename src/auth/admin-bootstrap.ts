import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isEmail } from 'class-validator';
import type { DataSource } from 'typeorm';
import { transaction } from '../database/transaction.js';
import { AUTH_OPTIONS, type ResolvedAuthOptions } from './auth.options.js';
import { CredentialsRepository } from './credentials.repository.js';
import { PasswordHasher } from './password-hasher.js';

export const DEFAULT_ADMIN_EMAIL = 'admin@example.com';
export const DEFAULT_ADMIN_USERNAME = 'admin';

export interface BootstrapResult {
  created: boolean;
  email?: string;
  generatedPassword?: string;
}

/**
 * On a start with an empty users table, creates a platform admin from `ADMIN_EMAIL` /
 * `ADMIN_PASSWORD`; without a password one is generated and printed once on stdout (never logged
 * again, nor through the structured logger). Idempotent, and safe when several instances start at
 * once: the check and the insert run under a transaction-scoped advisory lock.
 */
@Injectable()
export class AdminBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger('AdminBootstrap');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(AUTH_OPTIONS) private readonly options: ResolvedAuthOptions,
    private readonly hasher: PasswordHasher,
    private readonly credentials: CredentialsRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.run();
  }

  async run(): Promise<BootstrapResult> {
    const settings = this.options.bootstrapAdmin;
    if (settings === false) return { created: false };
    const email = (settings.email ?? DEFAULT_ADMIN_EMAIL).normalize('NFKC').trim().toLowerCase();
    const username = settings.username ?? DEFAULT_ADMIN_USERNAME;
    if (!isEmail(email)) throw new Error('Invalid configuration: ADMIN_EMAIL must be an email address');
    if (settings.password !== undefined && (settings.password.length < 8 || settings.password.length > 128)) {
      throw new Error('Invalid configuration: ADMIN_PASSWORD must be 8 to 128 characters');
    }
    // Cheap check first: a started service has users and takes no lock.
    if (await this.credentials.anyUser()) return { created: false };

    const password = settings.password ?? randomBytes(18).toString('base64url');
    const hash = await this.hasher.hash(password);
    const created = await transaction(this.dataSource, (em) => this.credentials.createFirstAdmin(em, email, username, hash));
    if (!created) return { created: false };
    if (settings.password === undefined) {
      console.log(
        `Created the platform admin "${username}" <${email}> with the generated password: ${password}\n` +
          'This password is shown only this once; sign in and change it (PUT /v1/users/{user_id}).',
      );
      return { created: true, email, generatedPassword: password };
    }
    this.logger.log(`Created the platform admin "${username}" <${email}> from ADMIN_EMAIL / ADMIN_PASSWORD`);
    return { created: true, email };
  }
}
