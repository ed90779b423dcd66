import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { SignJWT } from 'jose';
import { JWT_OPTIONS, type JwtOptions } from './auth.options.js';
import { JWT_KEYS, type JwtKeys } from './jwt-keys.js';

/**
 * Issues access tokens: claims `sub, iat, exp, iss, aud, jti`, plus `sid`, the
 * refresh-token family (the session) the token was issued with, so that logout without a body
 * knows which session to end.
 */
@Injectable()
export class TokenService {
  constructor(
    @Inject(JWT_KEYS) private readonly keys: JwtKeys,
    @Inject(JWT_OPTIONS) private readonly options: JwtOptions,
  ) {}

  get accessTtlSeconds(): number {
    return this.options.accessTtlSeconds;
  }

  async signAccessToken(userId: string, sessionId?: string): Promise<string> {
    const header = { alg: this.keys.algorithm, typ: 'JWT', ...(this.keys.kid ? { kid: this.keys.kid } : {}) };
    return new SignJWT(sessionId ? { sid: sessionId } : {})
      .setProtectedHeader(header)
      .setSubject(userId)
      .setIssuer(this.options.issuer)
      .setAudience(this.options.audience)
      .setIssuedAt()
      .setExpirationTime(`${this.options.accessTtlSeconds}s`)
      .setJti(randomUUID())
      .sign(this.keys.signKey);
  }
}
