import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import jwt from 'jsonwebtoken';
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
    return jwt.sign(sessionId ? { sid: sessionId } : {}, this.keys.signKey, {
      algorithm: this.keys.algorithm,
      ...(this.keys.kid ? { keyid: this.keys.kid } : {}),
      subject: userId,
      issuer: this.options.issuer,
      audience: this.options.audience,
      expiresIn: this.options.accessTtlSeconds,
      jwtid: randomUUID(),
    });
  }
}
