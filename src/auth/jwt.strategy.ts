import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { InjectDataSource } from '@nestjs/typeorm';
import { ExtractJwt, Strategy } from 'passport-jwt';
import type { DataSource } from 'typeorm';
import { AuthenticationError } from '../common/errors/app-error.js';
import { pgPool } from '../database/pg-pool.js';
import { USER_SELECT, type User } from '../users/user.entity.js';
import { JWT_OPTIONS, type JwtOptions } from './auth.options.js';
import { JWT_KEYS, type JwtKeys } from './jwt-keys.js';

export interface AccessClaims {
  sub?: unknown;
  jti?: unknown;
}

const SELECT_USER = `SELECT ${USER_SELECT} FROM users u WHERE u.user_id = $1`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Verifies the bearer token (algorithm, issuer and audience pinned) and loads the caller in one
 * indexed query, so a deleted or disabled account is refused on its very next request.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(
    @Inject(JWT_KEYS) keys: JwtKeys,
    @Inject(JWT_OPTIONS) options: JwtOptions,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: keys.verifyKey as never,
      algorithms: [keys.algorithm],
      issuer: options.issuer,
      audience: options.audience,
      ignoreExpiration: false,
    });
  }

  async validate(claims: AccessClaims): Promise<User> {
    if (typeof claims.sub !== 'string' || !UUID.test(claims.sub) || typeof claims.jti !== 'string') {
      throw new AuthenticationError();
    }
    // Straight to the pg pool: a query runner per call (created, connected, released) is most of
    // what `DataSource.query` would add to this one-row lookup, made on every request.
    const [user] = (await pgPool(this.dataSource)!.query<User>(SELECT_USER, [claims.sub])).rows;
    if (!user) throw new AuthenticationError();
    if (!user.is_active) throw new AuthenticationError('Account is disabled');
    return user;
  }
}
