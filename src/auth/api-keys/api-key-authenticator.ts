import { Injectable } from '@nestjs/common';
import type { Permission } from '../../access/permissions.js';
import { attachGrant, type KeyGrant } from '../../access/principal.js';
import { AuthenticationError } from '../../common/errors/app-error.js';
import type { User } from '../../database/entities/user.entity.js';
import { parseApiKey } from './api-key-format.js';
import { ApiKeysRepository, type KeyCaller } from './api-keys.repository.js';

/** How often a key's `last_used_at` is written at most. */
const TOUCH_INTERVAL_MS = 60_000;
/** Keys whose last write this instance remembers; beyond that the oldest is forgotten (and may be written once more). */
const REMEMBERED_TOUCHES = 50_000;

/** The caller a key stands for, and the grant that bounds it. */
export interface KeyAuthenticated {
  user: User;
  grant: KeyGrant;
}

/**
 * Authenticates `Bearer idk_…`. The checksum is checked first, so a mistyped, truncated or invented
 * key costs no query; a well-formed one is looked up by its SHA-256 together with its owner, in the
 * request's one query. Every refusal is the same 401 as for a bad access token (an expired key says
 * so, as an expired token does).
 */
@Injectable()
export class ApiKeyAuthenticator {
  private readonly touched = new Map<string, number>();

  constructor(private readonly keys: ApiKeysRepository) {}

  async authenticate(token: string): Promise<KeyAuthenticated> {
    const stored = parseApiKey(token);
    if (!stored) throw new AuthenticationError();
    const row = await this.keys.findCaller(stored.hash);
    if (!row || row.key_revoked) throw new AuthenticationError();
    if (row.key_expired) throw new AuthenticationError('Token expired');
    const user = row.key_org_id ? orgPrincipal(row) : ownerOf(row);
    const grant: KeyGrant = { keyId: row.key_id, orgId: row.key_org_id, scopes: row.key_scopes ? new Set(row.key_scopes as Permission[]) : null };
    attachGrant(user, grant);
    this.touch(row.key_id);
    return { user, grant };
  }

  /**
   * Records use without a write per request: at most one conditional UPDATE a minute per key from
   * this instance, not awaited (the request does not wait for it, and a failure only delays the
   * stamp); the statement's own condition keeps several instances to one write a minute too.
   */
  private touch(keyId: string): void {
    const now = Date.now();
    const last = this.touched.get(keyId);
    if (last !== undefined && now - last < TOUCH_INTERVAL_MS) return;
    this.touched.delete(keyId);
    if (this.touched.size >= REMEMBERED_TOUCHES) this.touched.delete(this.touched.keys().next().value!);
    this.touched.set(keyId, now);
    void this.keys.touch(keyId).catch(() => undefined);
  }
}

/** A personal key is its owner, on the same terms as the owner's access tokens. */
function ownerOf(row: KeyCaller): User {
  if (!row.user) throw new AuthenticationError();
  if (!row.user.is_active) throw new AuthenticationError('Account is disabled');
  if (row.key_outlived) throw new AuthenticationError();
  return row.user;
}

/**
 * An organization key is no person. Handlers that read the caller get this stand-in: it holds no
 * platform role, and its `user_id` is the key's creator, so what the key adds records who is
 * answerable for it (`added_by`). Operations about a person are refused to it by the permission guard.
 */
function orgPrincipal(row: KeyCaller): User {
  // Whoever answers for the key is gone (their account was deleted): the key ends with them.
  if (!row.key_created_by) throw new AuthenticationError();
  const at = new Date(0);
  return {
    user_id: row.key_created_by,
    email: '',
    username: `api_key_${row.key_id}`,
    password_hash: null,
    full_name: null,
    auth_provider: 'api_key',
    is_active: true,
    is_verified: false,
    roles: [],
    avatar_url: null,
    bio: null,
    timezone: null,
    locale: null,
    preferences: {},
    settings: {},
    created_at: at,
    updated_at: at,
    last_login: null,
    default_workspace_id: null,
    version: 0,
  };
}
