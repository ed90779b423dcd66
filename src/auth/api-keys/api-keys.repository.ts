import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { pgPool } from '../../database/pg-pool.js';
import { USER_SELECT, type User } from '../../database/entities/user.entity.js';

/** A key as the API shows it. */
export interface ApiKeyRow {
  key_id: string;
  name: string;
  prefix: string;
  scopes: string[] | null;
  org_id: string | null;
  user_id: string | null;
  created_by: string | null;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
  version: number;
}

/** Whose keys: a person's own, or an organization's. */
export type KeyOwner = { kind: 'user'; userId: string } | { kind: 'org'; orgId: string };

export interface NewApiKey {
  owner: KeyOwner;
  name: string;
  prefix: string;
  hash: string;
  scopes: string[] | null;
  createdBy: string | null;
  expiresAt: Date | null;
}

/** What authenticating with a key reads: the key, and its owner's row for a personal key. */
export interface KeyCaller {
  key_id: string;
  key_org_id: string | null;
  key_created_by: string | null;
  key_scopes: string[] | null;
  key_expired: boolean;
  key_revoked: boolean;
  /** Whether the owner's sessions were all ended after the key was made (password change, disabling). */
  key_outlived: boolean;
  user: User | null;
}

const KEY_COLUMNS = 'k.key_id, k.name, k.prefix, k.scopes, k.org_id, k.user_id, k.created_by, k.created_at, k.expires_at, k.last_used_at, k.revoked_at, k.version';

/** The key and its owner in one statement, by the unique hash. */
const SELECT_KEY_CALLER = `
  SELECT k.key_id, k.org_id AS key_org_id, k.created_by AS key_created_by, k.scopes AS key_scopes,
         k.expires_at IS NOT NULL AND k.expires_at <= now() AS key_expired,
         k.revoked_at IS NOT NULL AS key_revoked,
         u.sessions_revoked_at IS NOT NULL AND u.sessions_revoked_at > k.created_at AS key_outlived,
         ${USER_SELECT}
    FROM api_keys k LEFT JOIN users u ON u.user_id = k.user_id
   WHERE k.key_hash = $1`;

/** At most one write a minute per key, whatever the number of instances. */
const TOUCH_KEY = `UPDATE api_keys SET last_used_at = now() WHERE key_id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`;

const ownerColumn = (owner: KeyOwner) => (owner.kind === 'user' ? 'user_id' : 'org_id');
const ownerId = (owner: KeyOwner) => (owner.kind === 'user' ? owner.userId : owner.orgId);

/** Every statement on api_keys. */
@Injectable()
export class ApiKeysRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Serialises key creation per owner, so the cap on live keys holds under concurrent requests. */
  async lockOwner(m: EntityManager, owner: KeyOwner): Promise<void> {
    await m.query(`SELECT pg_advisory_xact_lock(hashtextextended('api_keys:' || $1, 0))`, [ownerId(owner)]);
  }

  async countLive(m: EntityManager, owner: KeyOwner): Promise<number> {
    const [{ n }] = await m.query(`SELECT count(*)::int AS n FROM api_keys k WHERE k.${ownerColumn(owner)} = $1 AND k.revoked_at IS NULL`, [ownerId(owner)]);
    return n;
  }

  async insert(m: EntityManager, key: NewApiKey): Promise<ApiKeyRow> {
    const [row] = await m.query(
      `INSERT INTO api_keys AS k (name, prefix, key_hash, scopes, ${ownerColumn(key.owner)}, created_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${KEY_COLUMNS}`,
      [key.name, key.prefix, key.hash, key.scopes, ownerId(key.owner), key.createdBy, key.expiresAt],
    );
    return row;
  }

  /** The owner's live keys, newest first (bounded by the cap on live keys). */
  async listLive(owner: KeyOwner): Promise<ApiKeyRow[]> {
    return this.dataSource.query(
      `SELECT ${KEY_COLUMNS} FROM api_keys k WHERE k.${ownerColumn(owner)} = $1 AND k.revoked_at IS NULL ORDER BY k.created_at DESC, k.key_id DESC`,
      [ownerId(owner)],
    );
  }

  /** Revokes the owner's key; undefined when the owner has no live key of that id. */
  async revoke(m: EntityManager, owner: KeyOwner, keyId: string): Promise<ApiKeyRow | undefined> {
    const [rows] = await m.query(
      `UPDATE api_keys k SET revoked_at = now(), version = version + 1
        WHERE k.key_id = $1 AND k.${ownerColumn(owner)} = $2 AND k.revoked_at IS NULL RETURNING ${KEY_COLUMNS}`,
      [keyId, ownerId(owner)],
    );
    return rows[0];
  }

  /** Straight to the pg pool, like the token check: this read is made on every key-authenticated request. */
  async findCaller(hash: string): Promise<KeyCaller | undefined> {
    const result = await pgPool(this.dataSource)!.query(SELECT_KEY_CALLER, [hash]);
    const row = result.rows[0] as Record<string, unknown> | undefined;
    if (!row) return undefined;
    const { key_id, key_org_id, key_created_by, key_scopes, key_expired, key_revoked, key_outlived, ...user } = row;
    return {
      key_id, key_org_id, key_created_by, key_scopes, key_expired, key_revoked, key_outlived,
      user: user.user_id ? (user as unknown as User) : null,
    } as KeyCaller;
  }

  async touch(keyId: string): Promise<void> {
    await pgPool(this.dataSource)!.query(TOUCH_KEY, [keyId]);
  }
}
