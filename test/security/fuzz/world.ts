import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import type { DataSource } from 'typeorm';
import { buildWorld, type Principal, type World } from '../../e2e/access-fixtures.js';
import { TEST_PASSWORD } from '../../support/app.js';
import type { Hints } from './schema-arbitraries.js';

/** A reference to something in the world, resolved when the request is sent. */
export class Sym {
  constructor(readonly name: string) {}
  toString(): string {
    return `<${this.name}>`;
  }
  toJSON(): string {
    return this.toString();
  }
}

export type Caller = 'admin' | 'viewer';
const CALLER_PRINCIPAL: Record<Caller, Principal> = { admin: 'platform', viewer: 'viewer' };

const USER_SYMS = ['self', 'target', 'viewer', 'member', 'admin', 'owner', 'orgAdmin', 'orgOwner', 'platform', 'outsider', 'missing'];

/**
 * The fuzzed world: the fixtures of the access tests (one org with a user of every standing, a
 * foreign org) plus the caller's refresh token. Rebuilt whenever a request legitimately broke it.
 */
export class FuzzWorld {
  world!: World;
  refreshToken = 'no-refresh-token';
  /** Mailed-link tokens of the caller by purpose (the admin's only: a viewer's would verify its own address). */
  linkTokens: Record<string, string> = {};
  rebuilds = 0;
  /** Pending invitations of the own org (two of the org, two of its workspace) and one token to accept. */
  invitations: Record<string, string> = {};

  constructor(
    private readonly db: DataSource,
    private readonly baseUrl: string,
    readonly caller: Caller,
  ) {}

  get principal(): Principal {
    return CALLER_PRINCIPAL[this.caller];
  }

  get token(): string {
    return this.world.users[this.principal].token;
  }

  get callerId(): string {
    return this.world.users[this.principal].user_id;
  }

  async build(): Promise<void> {
    this.world = await buildWorld(this.db);
    this.rebuilds++;
    const res = await fetch(`${this.baseUrl}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ login: this.world.users[this.principal].email, password: TEST_PASSWORD }),
    });
    const body = (await res.json().catch(() => ({}))) as { refresh_token?: string };
    this.refreshToken = body.refresh_token ?? 'no-refresh-token';
    this.linkTokens = {};
    if (this.caller === 'admin') for (const purpose of ['verify_email', 'password_reset']) this.linkTokens[purpose] = await this.linkOf(purpose);
    await this.buildInvitations();
  }

  /**
   * The platform admin may accept its invitation (to the foreign org, where it is no member); the
   * viewer's token invites someone else, so accepting it is a 403 that changes nothing. Without a
   * bearer token either one opens no account: the address is taken.
   */
  private async buildInvitations(): Promise<void> {
    const w = this.world;
    const invite = async (orgId: string, workspaceId: string | null, email: string) => {
      const token = randomBytes(32).toString('base64url');
      const [{ invitation_id }] = await this.db.query(
        `INSERT INTO invitations (org_id, workspace_id, email, role, token_hash, inviter_user_id, expires_at)
         VALUES ($1, $2, $3, 'member', $4, $5, now() + interval '7 days') RETURNING invitation_id`,
        [orgId, workspaceId, email, createHash('sha256').update(token).digest(), w.users.orgOwner.user_id],
      );
      return { id: invitation_id as string, token };
    };
    const acceptor = this.caller === 'admin' ? w.users.platform.email : w.users.outsider.email;
    this.invitations = {
      org: (await invite(w.orgId, null, 'fuzz-org-1@example.com')).id,
      org2: (await invite(w.orgId, null, 'fuzz-org-2@example.com')).id,
      ws: (await invite(w.orgId, w.workspaceId, 'fuzz-ws-1@example.com')).id,
      ws2: (await invite(w.orgId, w.workspaceId, 'fuzz-ws-2@example.com')).id,
      token: (await invite(w.otherOrgId, null, acceptor)).token,
    };
  }

  /** A link token of the caller, as the mail would carry it (single use, so one success per world). */
  private async linkOf(purpose: string): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.db.query(
      `INSERT INTO account_tokens (purpose, user_id, email, token_hash, expires_at) SELECT $1, user_id, email, $2, now() + interval '1 hour' FROM users WHERE user_id = $3`,
      [purpose, createHash('sha256').update(token).digest(), this.callerId],
    );
    return token;
  }

  /** The concrete value of a symbol. */
  resolve(sym: Sym): string {
    const [kind, which] = sym.name.split(':');
    const w = this.world;
    switch (kind) {
      case 'org':
        return which === 'own' ? w.orgId : w.otherOrgId;
      case 'ws':
        return which === 'own' ? w.workspaceId : w.otherWorkspaceId;
      case 'user':
        return this.user(which).user_id;
      case 'email':
        return this.user(which).email;
      case 'username':
        return this.user(which).username;
      case 'refresh':
        return this.refreshToken;
      case 'access':
        return this.token;
      case 'inv':
        return this.invitations[which];
      case 'link':
        return this.linkTokens[which] ?? 'no-link-token';
      default:
        throw new Error(`unknown symbol ${sym.name}`);
    }
  }

  private user(which: string) {
    if (which === 'self') return this.world.users[this.principal];
    if (which === 'target') return this.world.target;
    if (which === 'missing') return { user_id: '00000000-0000-4000-8000-000000000000', email: 'nobody@example.com', username: 'nobody' };
    return this.world.users[which as Principal];
  }

  /** Whether the world is still what the fuzzing needs: the caller's standing, the scopes, the token. */
  async intact(): Promise<boolean> {
    const w = this.world;
    const [row] = await this.db.query(
      `SELECT
         (SELECT count(*)::int FROM organizations WHERE org_id IN ($1, $2)) AS orgs,
         (SELECT count(*)::int FROM workspaces WHERE workspace_id IN ($3, $4)) AS workspaces,
         (SELECT count(*)::int FROM users WHERE user_id = $5 AND is_active) AS caller,
         (SELECT role FROM workspace_members WHERE workspace_id = $3 AND user_id = $5) AS role,
         (SELECT 'admin' = ANY(roles) FROM users WHERE user_id = $5) AS platform`,
      [w.orgId, w.otherOrgId, w.workspaceId, w.otherWorkspaceId, this.callerId],
    );
    const standing = this.caller === 'admin' ? row.platform === true : row.role === 'viewer';
    if (row.orgs !== 2 || row.workspaces !== 2 || row.caller !== 1 || !standing) return false;
    const me = await fetch(`${this.baseUrl}/v1/orgs?limit=1`, { headers: { authorization: `Bearer ${this.token}` } });
    await me.arrayBuffer();
    return me.status === 200;
  }
}

const syms = (...names: string[]) => fc.constantFrom(...names.map((n) => new Sym(n)));
/** Plain addresses every validator takes (fast-check's RFC 5322 ones include forms most refuse). */
const email = () => fc.tuple(fc.stringMatching(/^[a-z0-9]{1,12}([._-][a-z0-9]{1,12})?$/), fc.constantFrom('example.com', 'example.org', 'mail.example.net')).map(([local, domain]) => `${local}@${domain}`);
const url = () => fc.tuple(fc.constantFrom('http', 'https'), fc.stringMatching(/^[a-z0-9/_-]{0,40}$/)).map(([scheme, path]) => `${scheme}://example.com/${path}`);

/**
 * Valid values for fields and parameters known by name: the world's ids, real logins, the
 * password, real zones and tags. (Invalid ones come from the boundary and hostile pools.) Ids of
 * users who are members of the world's workspace come up most, so that member operations succeed.
 */
export const worldHints: Hints = {
  byName(name: string) {
    switch (name) {
      case 'org_id':
        return syms('org:own', 'org:other');
      case 'workspace_id':
      case 'default_workspace_id':
        return syms('ws:own', 'ws:other');
      case 'user_id':
      case 'member_user_id':
        return fc.oneof({ arbitrary: syms('user:target', 'user:viewer', 'user:member', 'user:admin'), weight: 3 }, { arbitrary: syms(...USER_SYMS.map((u) => `user:${u}`)), weight: 1 });
      case 'login':
        return fc.oneof({ arbitrary: syms('email:self', 'username:self', 'email:target', 'username:outsider'), weight: 3 }, { arbitrary: email(), weight: 1 });
      case 'email':
        return fc.oneof({ arbitrary: email(), weight: 6 }, { arbitrary: syms('email:target', 'email:self'), weight: 1 });
      case 'username':
        // Also the login of the OAuth2 password grant: real ones often, so that it succeeds.
        return fc.oneof({ arbitrary: fc.stringMatching(/^[a-zA-Z0-9_.-]{3,50}$/), weight: 1 }, { arbitrary: syms('username:target', 'username:self', 'email:self'), weight: 1 });
      case 'password':
      case 'current_password':
      case 'new_password':
        return fc.oneof({ arbitrary: fc.constant(TEST_PASSWORD), weight: 4 }, { arbitrary: fc.string({ minLength: 8, maxLength: 128 }), weight: 1 });
      case 'refresh_token':
        return fc.oneof(syms('refresh:self'), fc.base64String({ minLength: 43, maxLength: 44 }));
      case 'invitation_id':
        return syms('inv:org', 'inv:org2', 'inv:ws', 'inv:ws2');
      case 'token':
        return fc.oneof({ arbitrary: syms('inv:token', 'link:verify_email', 'link:password_reset'), weight: 3 }, { arbitrary: fc.base64String({ minLength: 43, maxLength: 44 }), weight: 1 });
      case 'slug':
        return fc.stringMatching(/^[a-z0-9][a-z0-9-]{1,62}$/);
      case 'timezone':
        return fc.constantFrom('UTC', 'Europe/Paris', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5', 'Asia/Kolkata');
      case 'locale':
        return fc.constantFrom('en', 'en-US', 'fr-CA', 'zh-Hant-TW', 'de-CH-1996');
      case 'avatar_url':
        return url();
      case 'roles':
        return fc.constantFrom(['admin'], ['user']);
      case 'preferences':
      case 'settings':
        return fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 });
      default:
        return undefined;
    }
  },
};
