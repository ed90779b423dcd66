import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { MailService, type MailMessage } from '../mail/mail.service.js';
import { linkWith, type TokenPurpose } from './account-token.js';
import { ACCOUNTS_OPTIONS, type AccountsOptions } from './accounts.options.js';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);

const hours = (seconds: number) => (seconds % 3600 === 0 ? `${seconds / 3600} hour${seconds === 3600 ? '' : 's'}` : `${Math.round(seconds / 60)} minutes`);

/** What each kind of link says around itself. */
const WORDING: Record<TokenPurpose, { subject: string; intro: string; action: string; ignore: string }> = {
  verify_email: {
    subject: 'Verify your email address',
    intro: 'Please confirm that this address is yours.',
    action: 'Verify email address',
    ignore: 'If you did not ask for this, you can ignore this mail.',
  },
  password_reset: {
    subject: 'Reset your password',
    intro: 'Someone asked to reset the password of the account with this address.',
    action: 'Choose a new password',
    ignore: 'If that was not you, ignore this mail: your password stays as it is.',
  },
};

/**
 * The mails carrying links, plain text and HTML. Queued in the caller's transaction; with no mail
 * server configured, the link goes to the log instead, outside production only (there a token is
 * never written anywhere but the mail).
 */
@Injectable()
export class AccountMailer {
  private readonly logger = new Logger('Accounts');

  constructor(
    private readonly mail: MailService,
    @Inject(ACCOUNTS_OPTIONS) private readonly options: AccountsOptions,
  ) {}

  async send(m: EntityManager, purpose: TokenPurpose, user: { user_id: string; email: string }, token: string): Promise<void> {
    const verify = purpose === 'verify_email';
    const link = linkWith(verify ? this.options.verifyEmailUrl : this.options.passwordResetUrl, token);
    const ttl = verify ? this.options.verifyEmailTtlSeconds : this.options.passwordResetTtlSeconds;
    if (await this.mail.send(m, message(purpose, user.email, link, ttl))) return;
    if (this.options.logLinksWithoutMail) this.logger.log(`No SMTP_URL, so not mailed: ${purpose} link for user ${user.user_id}: ${link}`);
  }

  /** After the transaction that queued mail committed. */
  flush(): void {
    this.mail.flush();
  }
}

function message(purpose: TokenPurpose, to: string, link: string, ttlSeconds: number): MailMessage {
  const w = WORDING[purpose];
  const validity = `The link is valid for ${hours(ttlSeconds)} and can be used once.`;
  return {
    to,
    subject: w.subject,
    text: `${w.intro}\n\n${w.action}: ${link}\n\n${validity}\n${w.ignore}\n`,
    html:
      `<p>${escapeHtml(w.intro)}</p>` +
      `<p><a href="${escapeHtml(link)}">${escapeHtml(w.action)}</a></p>` +
      `<p>${escapeHtml(validity)}<br>${escapeHtml(w.ignore)}</p>`,
  };
}
