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
  sid?: unknown;
  iat?: unknown;
}

/**
 * The caller and whether the token's session is still open, in the one query of the request. A
 * token with a session (`sid`) lives while its refresh-token family has a live token (logout,
 * reuse detection, a password change and a deactivation revoke the family); one without lives
 * while it was issued after the user's last mass revocation.
 */
const SELECT_USER = `
  SELECT ${USER_SELECT},
         CASE WHEN $2::uuid IS NULL
              THEN u.sessions_revoked_at IS NULL OR $3::numeric > extract(epoch FROM u.sessions_revoked_at)
              ELSE EXISTS (SELECT 1 FROM refresh_tokens rt
                            WHERE rt.family_id = $2 AND rt.user_id = u.user_id AND rt.used_at IS NULL AND rt.revoked_at IS NULL)
         END AS _session_live
    FROM users u WHERE u.user_id = $1`;
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
    const { sub, jti, sid, iat } = claims;
    if (typeof sub !== 'string' || !UUID.test(sub) || typeof jti !== 'string') throw new AuthenticationError();
    if (sid !== undefined && (typeof sid !== 'string' || !UUID.test(sid))) throw new AuthenticationError();
    // Straight to the pg pool: a query runner per call (created, connected, released) is most of
    // what `DataSource.query` would add to this one-row lookup, made on every request.
    const params = [sub, sid ?? null, typeof iat === 'number' ? iat : 0];
    const [row] = (await pgPool(this.dataSource)!.query<User & { _session_live: boolean }>(SELECT_USER, params)).rows;
    if (!row) throw new AuthenticationError();
    const { _session_live: live, ...user } = row;
    if (!user.is_active) throw new AuthenticationError('Account is disabled');
    if (!live) throw new AuthenticationError();
    return user;
  }
}
