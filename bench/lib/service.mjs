import { randomBytes, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';

export const ISSUER = 'identity-service';

/**
 * The environment the bench runs the service with: production mode, request logging on, the
 * limits that would turn a one-user load into 429s raised. `secret` signs the access tokens.
 */
export function serviceEnv({ secret, databaseUrl, extra = {} }) {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    JWT_SECRET: secret,
    // Production requires the key that seals webhook signing secrets.
    WEBHOOK_SECRET_KEY: randomBytes(32).toString('base64'),
    DATABASE_URL: databaseUrl,
    ADMIN_EMAIL: 'bench-admin@example.com',
    ADMIN_PASSWORD: randomBytes(18).toString('base64url'),
    // The login scenarios send thousands of logins from one address for one account.
    RATE_LIMIT_LOGIN_PER_MINUTE: '1000000',
    RATE_LIMIT_REFRESH_PER_MINUTE: '1000000',
    // The list scenarios are one user on 50 connections: measured as throughput, not held to the
    // per-user share of the pool (2 at once by default) that would answer most of them 429.
    EXPENSIVE_READS_PER_USER: '64',
    EXPENSIVE_READS_QUEUED_PER_USER: '64',
    // Nothing scrapes metrics here; they stay on (their middleware is part of every request's cost).
    METRICS_PUBLIC: 'true',
    NODE_OPTIONS: '',
    ...extra,
  };
}

/** An access token for `sub` as the service issues them. */
export function signAccessToken(secret, sub) {
  // Long-lived on purpose: a full run with a soak outlasts the service's 15-minute default.
  return jwt.sign({}, secret, { algorithm: 'HS256', subject: sub, issuer: ISSUER, audience: ISSUER, expiresIn: '24h', jwtid: randomUUID() });
}
