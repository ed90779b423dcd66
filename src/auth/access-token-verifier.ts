import { Inject, Injectable } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import { AuthenticationError } from '../common/errors/app-error.js';
import { UUID_PATTERN } from '../common/validation/uuid.js';
import type { User } from '../database/entities/user.entity.js';
import { JWT_OPTIONS, type JwtOptions } from './auth.options.js';
import type { KeyGrant } from '../access/principal.js';
import { ApiKeyAuthenticator } from './api-keys/api-key-authenticator.js';
import { looksLikeApiKey } from './api-keys/api-key-format.js';
import { CredentialsRepository } from './credentials.repository.js';
import { JWT_KEYS, type JwtKeys } from './jwt-keys.js';

export interface AccessClaims {
  sub?: unknown;
  jti?: unknown;
  sid?: unknown;
  iat?: unknown;
}

/** The caller of a request and the session (refresh-token family) its access token belongs to. */
export interface Authenticated {
  user: User;
  sessionId?: string;
  /** Set when the request is authenticated by an API key. */
  grant?: KeyGrant;
}

/** Tokens whose signature and claims were checked, kept until they expire (or are pushed out). */
const VERIFIED_TOKENS = 10_000;

/**
 * The one access-token check, behind both `JwtAuthGuard` and the `jwt` passport strategy: the
 * bearer token verified with jsonwebtoken (algorithm, issuer and audience pinned, a KeyObject key),
 * then the caller loaded in one indexed query, so a deleted or disabled account or an ended session
 * is refused on its very next request. Every failure is a thrown 401 in the standard shape.
 *
 * Verification is synchronous, and a client sends the same token for its whole lifetime, so a
 * verified token is remembered (by its exact text, signature included) until its `exp`; the user
 * row is still read on every request. Each module instance has its own, so two applications in one
 * process never verify with each other's keys or database.
 */
@Injectable()
export class AccessTokenVerifier {
  private readonly verified = new Map<string, AccessClaims & { exp: number }>();
  private readonly verifyOptions: jwt.VerifyOptions & { complete: false };

  constructor(
    @Inject(JWT_KEYS) private readonly keys: JwtKeys,
    @Inject(JWT_OPTIONS) options: JwtOptions,
    private readonly credentials: CredentialsRepository,
    private readonly apiKeys: ApiKeyAuthenticator,
  ) {
    this.verifyOptions = { algorithms: [keys.algorithm], issuer: options.issuer, audience: options.audience, complete: false };
  }

  /**
   * The caller of a request carrying this `Authorization` header: an access token or an API key
   * (`idk_…`). With `onPrimary` (a request that may write), the caller is read on the primary.
   */
  async authenticate(authorization: unknown, onPrimary = false): Promise<Authenticated> {
    const token = bearerToken(authorization);
    if (looksLikeApiKey(token)) return this.apiKeys.authenticate(token);
    const claims = this.claimsOf(token);
    return { user: await this.loadUser(claims, onPrimary), sessionId: claims.sid as string | undefined };
  }

  private claimsOf(token: string): AccessClaims {
    const known = this.verified.get(token);
    if (known && known.exp * 1000 > Date.now()) return known;
    let claims: AccessClaims & { exp?: unknown };
    try {
      claims = jwt.verify(token, this.keys.verifyKey, this.verifyOptions) as AccessClaims & { exp?: unknown };
    } catch (error) {
      this.verified.delete(token);
      throw new AuthenticationError(messageFor(error));
    }
    if (typeof claims.exp === 'number') {
      if (this.verified.size >= VERIFIED_TOKENS) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, claims as AccessClaims & { exp: number });
    }
    return claims;
  }

  private async loadUser(claims: AccessClaims, onPrimary: boolean): Promise<User> {
    const { sub, jti, sid, iat } = claims;
    if (typeof sub !== 'string' || !UUID_PATTERN.test(sub) || typeof jti !== 'string') throw new AuthenticationError();
    if (sid !== undefined && (typeof sid !== 'string' || !UUID_PATTERN.test(sid))) throw new AuthenticationError();
    const row = await this.credentials.findCaller(sub, sid ?? null, typeof iat === 'number' ? iat : 0, onPrimary);
    if (!row) throw new AuthenticationError();
    const { _session_live: live, ...user } = row;
    if (!user.is_active) throw new AuthenticationError('Account is disabled');
    if (!live) throw new AuthenticationError();
    return user;
  }
}

/**
 * RFC 6750's `Bearer <token>` and nothing else (scheme in any case): a header with more after the
 * token is refused rather than read up to its first space.
 */
const BEARER = /^Bearer +(\S+)$/i;

function bearerToken(header: unknown): string {
  const match = typeof header === 'string' ? BEARER.exec(header) : null;
  if (!match) throw new AuthenticationError('Authentication required');
  return match[1];
}

/**
 * The 401 messages are the documented ones: `Token expired` for an expired token, `Authentication
 * required` for a missing, malformed, forged or foreign one (no hint of which check failed).
 */
function messageFor(error: unknown): string {
  return (error as { name?: string } | undefined)?.name === 'TokenExpiredError' ? 'Token expired' : 'Authentication required';
}
