/** JWT settings; the service fills them from its configuration, a consuming service passes its own. */
export interface JwtOptions {
  /** HS256 secret (used when no key pair is given). */
  secret?: string;
  /** RS256 key pair in PEM; when set, tokens are RS256 and `/.well-known/jwks.json` publishes the key. */
  privateKeyPem?: string;
  publicKeyPem?: string;
  issuer: string;
  audience: string;
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
}

export const JWT_OPTIONS = Symbol('JWT_OPTIONS');
