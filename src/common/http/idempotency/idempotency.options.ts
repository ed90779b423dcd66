/** Injection token of the conditional-request and idempotency settings. */
export const HTTP_CONDITIONS_OPTIONS = Symbol('HTTP_CONDITIONS_OPTIONS');

export interface HttpConditionsOptions {
  /** An unconditional PUT, PATCH or DELETE of a `@Conditional()` route answers 428. */
  requireIfMatch: boolean;
  /** How long an `Idempotency-Key`'s outcome is kept (seconds). */
  idempotencyTtlSeconds: number;
}

export const DEFAULT_HTTP_CONDITIONS: HttpConditionsOptions = { requireIfMatch: false, idempotencyTtlSeconds: 86_400 };
