import type { JsonWebKey } from 'node:crypto';
import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from './public.decorator.js';
import { JWT_KEYS, type JwtKeys } from './jwt-keys.js';

/**
 * The public key that verifies access tokens, for other services. With RS256 it holds that key;
 * with HS256 it is an empty set: a shared secret is never published, and a client that always
 * fetches the set finds a well-formed answer.
 */
@ApiTags('auth')
@Public()
@Controller('.well-known')
export class JwksController {
  private readonly keySet: { keys: JsonWebKey[] };

  constructor(@Inject(JWT_KEYS) keys: JwtKeys) {
    this.keySet = { keys: keys.algorithm === 'RS256' ? [{ ...keys.verifyKey.export({ format: 'jwk' }), kid: keys.kid, alg: 'RS256', use: 'sig' }] : [] };
  }

  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({ summary: 'JSON Web Key Set of the access-token signing key (empty with HS256)' })
  @ApiOkResponse({ schema: { type: 'object', properties: { keys: { type: 'array', items: { type: 'object', additionalProperties: true } } } } })
  jwks(): { keys: JsonWebKey[] } {
    return this.keySet;
  }
}
