export const ACCOUNTS_OPTIONS = Symbol('ACCOUNTS_OPTIONS');

export interface AccountsOptions {
  /** Link of a verification mail; `{token}` is replaced by the token. */
  verifyEmailUrl: string;
  /** Link of a password-reset mail; `{token}` is replaced by the token. */
  passwordResetUrl: string;
  verifyEmailTtlSeconds: number;
  passwordResetTtlSeconds: number;
  /** Serve `POST /v1/auth/signup`; without it the route does not exist. */
  signupEnabled: boolean;
  /** Password-reset requests naming one address, per hour. */
  passwordResetPerEmailPerHour: number;
  /** With no mail server, write links to the log so a developer can follow them (never in production). */
  logLinksWithoutMail: boolean;
}
