import { createHash, createPrivateKey, createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import type { JwtOptions } from './auth.options.js';

export interface JwtKeys {
  algorithm: 'HS256' | 'RS256';
  signKey: KeyObject;
  /** A KeyObject, not a string: jsonwebtoken tries to parse a string as a PEM key on every call. */
  verifyKey: KeyObject;
  kid?: string;
}

export function buildJwtKeys(options: JwtOptions): JwtKeys {
  if (options.privateKeyPem && options.publicKeyPem) {
    const verifyKey = createPublicKey(options.publicKeyPem);
    const der = verifyKey.export({ type: 'spki', format: 'der' });
    const kid = createHash('sha256').update(der).digest('base64url').slice(0, 16);
    return { algorithm: 'RS256', signKey: createPrivateKey(options.privateKeyPem), verifyKey, kid };
  }
  if (!options.secret) throw new Error('JWT configuration needs a secret or an RS256 key pair');
  const key = createSecretKey(Buffer.from(options.secret, 'utf8'));
  return { algorithm: 'HS256', signKey: key, verifyKey: key };
}

export const JWT_KEYS = Symbol('JWT_KEYS');
