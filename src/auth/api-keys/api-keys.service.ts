import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ORG_KEY_PERMISSIONS, type Permission } from '../../access/permissions.js';
import { grantOf } from '../../access/principal.js';
import { ConflictError, NotFoundError } from '../../common/errors/app-error.js';
import { RequestValidationError } from '../../common/validation/pydantic-errors.js';
import type { RequestContext } from '../../common/request-context.js';
import type { User } from '../../database/entities/user.entity.js';
import { transaction } from '../../database/transaction.js';
import { EventsService } from '../../events/events.service.js';
import type { ApiKeyListResponse, ApiKeyResponse, CreateApiKeyRequest, CreatedApiKeyResponse } from './api-key.dto.js';
import { generateApiKey } from './api-key-format.js';
import { ApiKeysRepository, type ApiKeyRow, type KeyOwner } from './api-keys.repository.js';
import { versionETag, withETag } from '../../common/http/conditional/etag.js';

/** Live keys one person or one organization may hold: keeps the list a single bounded page. */
export const MAX_LIVE_KEYS = 100;

/** Personal and organization keys: creation (the key shown once), the live list, revocation. */
@Injectable()
export class ApiKeysService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly keys: ApiKeysRepository,
    private readonly events: EventsService,
  ) {}

  async create(ctx: RequestContext, caller: User, owner: KeyOwner, dto: CreateApiKeyRequest): Promise<CreatedApiKeyResponse> {
    const scopes = scopesFor(caller, owner, dto);
    const made = generateApiKey();
    return transaction(this.dataSource, async (m) => {
      await this.keys.lockOwner(m, owner);
      if ((await this.keys.countLive(m, owner)) >= MAX_LIVE_KEYS) {
        throw new ConflictError(`At most ${MAX_LIVE_KEYS} live API keys`, { resource_type: 'api_key', reason: 'key_limit', limit: MAX_LIVE_KEYS });
      }
      const row = await this.keys.insert(m, {
        owner, name: dto.name, prefix: made.prefix, hash: made.hash, scopes,
        createdBy: creatorOf(caller), expiresAt: dto.expires_at ? new Date(dto.expires_at) : null,
      });
      const key = toApiKeyResponse(row);
      await this.events.record(m, ctx, { type: 'api_key.created', orgId: row.org_id, target: { type: 'api_key', id: row.key_id }, data: { ...key } });
      return withETag({ ...key, key: made.key }, versionETag(row.version));
    }, ctx);
  }

  async list(owner: KeyOwner): Promise<ApiKeyListResponse> {
    return { api_keys: (await this.keys.listLive(owner)).map(toApiKeyResponse) };
  }

  async revoke(ctx: RequestContext, owner: KeyOwner, keyId: string): Promise<void> {
    await transaction(this.dataSource, async (m) => {
      const row = await this.keys.revoke(m, owner, keyId.toLowerCase());
      if (!row) throw new NotFoundError('api_key', keyId);
      await this.events.record(m, ctx, { type: 'api_key.revoked', orgId: row.org_id, target: { type: 'api_key', id: row.key_id }, data: toApiKeyResponse(row) as unknown as Record<string, unknown> });
    }, ctx);
  }
}

/** The person behind a request: an organization key's own creator, so what it makes names a person. */
function creatorOf(caller: User): string | null {
  return caller.user_id ?? null;
}

/**
 * The scopes a new key gets. An organization key needs them, within what an org admin holds; a key
 * made by a request that is itself authenticated by a limited key gets no more than that key
 * (omitting them then means the same limit, not none).
 */
function scopesFor(caller: User, owner: KeyOwner, dto: CreateApiKeyRequest): Permission[] | null {
  const requested = dto.scopes ? [...new Set(dto.scopes)] : null;
  const limit = grantOf(caller)?.scopes ?? null;
  if (owner.kind === 'org') {
    if (!requested) throw invalidScopes(dto, 'an organization key needs its scopes');
    const beyond = requested.find((p) => !ORG_KEY_PERMISSIONS.has(p));
    if (beyond) throw invalidScopes(dto, `${beyond} is not a permission an organization key may hold`);
  }
  if (!limit) return requested;
  if (!requested) return [...limit];
  const beyond = requested.find((p) => !limit.has(p));
  if (beyond) throw invalidScopes(dto, `${beyond} is beyond the scopes of the key making this request`);
  return requested;
}

function invalidScopes(dto: CreateApiKeyRequest, text: string): RequestValidationError {
  return new RequestValidationError([{ type: 'value_error', loc: ['body', 'scopes'], msg: `Value error, ${text}`, input: dto.scopes ?? null, ctx: { error: text } }]);
}

export function toApiKeyResponse(row: ApiKeyRow): ApiKeyResponse {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return {
    key_id: row.key_id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes as Permission[] | null,
    org_id: row.org_id,
    user_id: row.user_id,
    created_by: row.created_by,
    created_at: row.created_at.toISOString(),
    expires_at: iso(row.expires_at),
    last_used_at: iso(row.last_used_at),
    revoked_at: iso(row.revoked_at),
  };
}
