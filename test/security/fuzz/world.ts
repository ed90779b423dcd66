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

const MISSING_ID = '00000000-0000-4000-8000-000000000000';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
  /** A webhook endpoint in each org (`own`, `other`), registered through the API. */
  webhooks: Record<string, string> = {};
  /** Live API keys: the caller's personal one (`self`) and one of each org (`own`, `other`). */
  apiKeys: Record<string, string> = {};

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
    this.webhooks = {};
    this.apiKeys = {};
    await this.replenish();
  }

  /**
   * Puts back what a request used up: a deleted webhook endpoint, a revoked API key, an invitation
   * no longer pending (revoked, accepted). Cheap when nothing is missing (one query), so it runs
   * after every write that left the world otherwise intact.
   */
  async replenish(): Promise<void> {
    const w = this.world;
    const [row] = await this.db.query(
      `SELECT
         (SELECT coalesce(array_agg(webhook_id::text), '{}') FROM webhook_endpoints WHERE webhook_id = ANY($1::uuid[])) AS webhooks,
         (SELECT coalesce(array_agg(key_id::text), '{}') FROM api_keys WHERE key_id = ANY($2::uuid[]) AND revoked_at IS NULL) AS keys,
         (SELECT coalesce(array_agg(invitation_id::text), '{}') FROM invitations WHERE invitation_id = ANY($3::uuid[]) AND state = 'pending' AND expires_at > now()) AS invitations`,
      [Object.values(this.webhooks), Object.values(this.apiKeys), Object.values(this.invitations).filter((v) => UUID.test(v))],
    );
    const missing = (ids: Record<string, string>, live: string[], keys: string[]) => keys.filter((k) => !ids[k] || !live.includes(ids[k]));
    const orgOf = (side: string) => (side === 'own' ? w.orgId : w.otherOrgId);
    // As the platform admin (for the viewer too: it may not register any of these itself).
    const admin = w.users.platform.token;
    for (const side of missing(this.webhooks, row.webhooks, ['own', 'other'])) {
      const body = { url: `${this.baseUrl}/fuzz-hook/${side}`, event_types: ['*'], description: `fuzz ${side}` };
      this.webhooks[side] = await this.create(`/v1/orgs/${orgOf(side)}/webhooks`, admin, body, 'webhook_id');
    }
    for (const which of missing(this.apiKeys, row.keys, ['self', 'own', 'other'])) {
      this.apiKeys[which] =
        which === 'self'
          ? await this.create('/v1/users/me/api-keys', this.token, { name: 'fuzz personal' }, 'key_id')
          : await this.create(`/v1/orgs/${orgOf(which)}/api-keys`, admin, { name: `fuzz ${which}`, scopes: ['workspaces:read'] }, 'key_id');
    }
    if (this.caller === 'admin') await this.restoreMembers();
    for (const which of missing(this.invitations, row.invitations, ['org', 'org2', 'ws', 'ws2'])) {
      const n = which.endsWith('2') ? 2 : 1;
      const kind = which.startsWith('ws') ? 'ws' : 'org';
      this.invitations[which] = (await this.invite(w.orgId, kind === 'ws' ? w.workspaceId : null, `fuzz-${kind}-${n}@example.com`)).id;
    }
  }

  /**
   * The admin's requests remove members, and the member operations need some: the workspace's
   * target, viewer, member and admin and the org's member, admin and owner are put back (in their
   * role now, or the first one if gone). Not for the viewer: it may remove none but itself, and a
   * membership put back would differ from the rows the check of what it may change compares with.
   */
  private async restoreMembers(): Promise<void> {
    const w = this.world;
    const inWorkspace = [w.target, w.users.viewer, w.users.member, w.users.admin];
    const [{ n }] = await this.db.query(
      `SELECT (SELECT count(*)::int FROM workspace_members WHERE workspace_id = $1 AND user_id = ANY($2::uuid[])) +
              (SELECT count(*)::int FROM org_members WHERE org_id = $3 AND user_id = ANY($4::uuid[])) AS n`,
      [w.workspaceId, inWorkspace.map((u) => u.user_id), w.orgId, [w.users.orgMember.user_id, w.users.orgAdmin.user_id, w.users.orgOwner.user_id]],
    );
    if (n === 7) return;
    const roles: [string, string | null, string][] = [
      [w.target.user_id, w.workspaceId, 'member'],
      [w.users.viewer.user_id, w.workspaceId, 'viewer'],
      [w.users.member.user_id, w.workspaceId, 'member'],
      [w.users.admin.user_id, w.workspaceId, 'admin'],
      [w.users.orgMember.user_id, null, 'member'],
      [w.users.orgAdmin.user_id, null, 'admin'],
      [w.users.orgOwner.user_id, null, 'owner'],
    ];
    for (const [userId, workspaceId, role] of roles) {
      await this.db.query(
        `INSERT INTO org_members (org_id, user_id, role) SELECT $1, user_id, $3 FROM users WHERE user_id = $2 ON CONFLICT DO NOTHING`,
        [w.orgId, userId, workspaceId ? 'member' : role],
      );
      if (workspaceId) {
        await this.db.query(
          `INSERT INTO workspace_members (workspace_id, user_id, role, user_created_at) SELECT $1, user_id, $3, created_at FROM users WHERE user_id = $2 ON CONFLICT DO NOTHING`,
          [workspaceId, userId, role],
        );
      }
    }
  }

  /** Creates through the API (so that sealed secrets and key hashes are the service's own) and returns the new id. */
  private async create(path: string, token: string, body: unknown, idField: string): Promise<string> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
    const created = (await res.json().catch(() => ({}))) as Record<string, string>;
    if (res.status !== 201 || !created[idField]) throw new Error(`fuzz world: POST ${path} answered ${res.status} ${JSON.stringify(created)}`);
    return created[idField];
  }

  private async invite(orgId: string, workspaceId: string | null, email: string): Promise<{ id: string; token: string }> {
    const token = randomBytes(32).toString('base64url');
    const [{ invitation_id }] = await this.db.query(
      `INSERT INTO invitations (org_id, workspace_id, email, role, token_hash, inviter_user_id, expires_at)
       VALUES ($1, $2, $3, 'member', $4, $5, now() + interval '7 days') RETURNING invitation_id`,
      [orgId, workspaceId, email, createHash('sha256').update(token).digest(), this.world.users.orgOwner.user_id],
    );
    return { id: invitation_id as string, token };
  }

  /**
   * The platform admin may accept its invitation (to the foreign org, where it is no member); the
   * viewer's token invites someone else, so accepting it is a 403 that changes nothing. Without a
   * bearer token either one opens no account: the address is taken.
   */
  private async buildInvitations(): Promise<void> {
    const w = this.world;
    const invite = this.invite.bind(this);
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
      case 'hook':
        return this.webhooks[which] ?? MISSING_ID;
      case 'key':
        return this.apiKeys[which] ?? MISSING_ID;
      case 'hookurl':
        // A receiver the service may register with WEBHOOK_ALLOW_PRIVATE (the app itself; nothing is delivered, jobs are off).
        return `${this.baseUrl}/${which}`;
      default:
        throw new Error(`unknown symbol ${sym.name}`);
    }
  }

  private user(which: string) {
    if (which === 'self') return this.world.users[this.principal];
    if (which === 'target') return this.world.target;
    if (which === 'missing') return { user_id: MISSING_ID, email: 'nobody@example.com', username: 'nobody' };
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

/** Event types the service writes (a sample), for filters and subscriptions. */
const EVENT_TYPES = [
  'user.created', 'user.updated', 'auth.login_succeeded', 'auth.login_failed', 'org.created', 'org.updated', 'org_member.added', 'org_member.removed',
  'workspace.created', 'workspace_member.added', 'invitation.created', 'invitation.revoked', 'api_key.created', 'webhook_endpoint.created', 'webhook_endpoint.updated',
];
/** An instant well before or well after the run: the audit log's `from` (inclusive) and `to` (exclusive) keep every event between. */
const instant = (from: string, to: string) => fc.date({ min: new Date(from), max: new Date(to), noInvalidDate: true }).map((d) => d.toISOString());

/**
 * Valid values for fields and parameters known by name: the world's ids, real logins, the
 * password, real zones and tags. (Invalid ones come from the boundary and hostile pools.) Ids of
 * users who are members of the world's workspace come up most, so that member operations succeed.
 * Some names mean something of their own in one operation (`token`, `key_id`, `invitation_id`):
 * `forOperation` gives that operation the values it takes.
 */
export const worldHints: Hints = {
  byName: (name) => byName(name, ''),
  forOperation: (operation) => ({ byName: (name) => byName(name, operation) }),
};

function byName(name: string, operation: string): fc.Arbitrary<unknown> | undefined {
  const [, path = ''] = operation.split(' ');
  switch (name) {
    case 'org_id':
      return syms('org:own', 'org:other');
    case 'workspace_id':
    case 'default_workspace_id':
      return syms('ws:own', 'ws:other');
    case 'user_id':
    case 'member_user_id':
      // Adding a member: users who are none yet most of the time (in the own org and workspace), so that it is no 409.
      if (operation === 'POST /v1/orgs/{org_id}/members') return fc.oneof({ arbitrary: syms('user:outsider', 'user:platform'), weight: 3 }, { arbitrary: syms(...USER_SYMS.map((u) => `user:${u}`)), weight: 1 });
      if (operation === 'POST /v1/orgs/{org_id}/workspaces/{workspace_id}/members') {
        return fc.oneof({ arbitrary: syms('user:orgMember', 'user:orgAdmin', 'user:orgOwner', 'user:outsider', 'user:platform'), weight: 3 }, { arbitrary: syms(...USER_SYMS.map((u) => `user:${u}`)), weight: 1 });
      }
      return fc.oneof({ arbitrary: syms('user:target', 'user:viewer', 'user:member', 'user:admin'), weight: 3 }, { arbitrary: syms(...USER_SYMS.map((u) => `user:${u}`)), weight: 1 });
    case 'login':
      return fc.oneof({ arbitrary: syms('email:self', 'username:self', 'email:target', 'username:outsider'), weight: 3 }, { arbitrary: email(), weight: 1 });
    case 'email':
      return fc.oneof({ arbitrary: email(), weight: 6 }, { arbitrary: syms('email:target', 'email:self'), weight: 1 });
    case 'username':
      // Also the login of the OAuth2 password grant: real ones most of the time there, so that it succeeds.
      if (operation === 'POST /v1/auth/token') return fc.oneof({ arbitrary: syms('username:self', 'email:self', 'username:target'), weight: 4 }, { arbitrary: fc.stringMatching(/^[a-zA-Z0-9_.-]{3,50}$/), weight: 1 });
      // Elsewhere a new account's or a renamed user's: a free one most of the time, a taken one now and then (409).
      return fc.oneof({ arbitrary: fc.stringMatching(/^[a-zA-Z0-9_.-]{3,50}$/), weight: 6 }, { arbitrary: syms('username:target', 'username:self', 'email:self'), weight: 1 });
    case 'full_name':
      return fc.stringMatching(/^[A-Z][a-z]{1,20}( [A-Z][a-z'-]{1,30}){0,2}$/);
    case 'password':
    case 'current_password':
    case 'new_password':
      return fc.oneof({ arbitrary: fc.constant(TEST_PASSWORD), weight: 4 }, { arbitrary: fc.string({ minLength: 8, maxLength: 128 }), weight: 1 });
    case 'refresh_token':
      return fc.oneof(syms('refresh:self'), fc.base64String({ minLength: 43, maxLength: 44 }));
    case 'invitation_id':
      return path.includes('/workspaces/') ? syms('inv:ws', 'inv:ws2') : path.includes('/invitations/') ? syms('inv:org', 'inv:org2') : syms('inv:org', 'inv:org2', 'inv:ws', 'inv:ws2');
    case 'token': {
      // Each operation's own token most of the time (single use: one success per world is enough), a made-up one now and then.
      const own = { '/v1/invitations/accept': 'inv:token', '/v1/auth/verify-email': 'link:verify_email', '/v1/auth/password-reset': 'link:password_reset' }[path];
      const made = fc.base64String({ minLength: 43, maxLength: 44 });
      if (own) return fc.oneof({ arbitrary: syms(own), weight: 4 }, { arbitrary: made, weight: 1 });
      return fc.oneof({ arbitrary: syms('inv:token', 'link:verify_email', 'link:password_reset'), weight: 3 }, { arbitrary: made, weight: 1 });
    }
    case 'name':
      // An API key's name (not blank); elsewhere (AuthZEN actions) the schema's.
      return path.includes('/api-keys') ? fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 _.-]{0,60}$/) : undefined;
    case 'scopes':
      // What an org key may hold (an org admin's permissions), so that org keys are created too; null now and then (personal keys only).
      return fc.uniqueArray(fc.constantFrom('workspaces:read', 'members:read', 'org_members:read', 'events:read', 'authz:check'), { minLength: 1, maxLength: 4 });
    case 'expires_at':
      return instant('2100-01-01T00:00:00Z', '2200-01-01T00:00:00Z');
    case 'webhook_id':
      return syms('hook:own', 'hook:other');
    case 'key_id':
      return path.startsWith('/v1/users/me/') ? syms('key:self') : syms('key:own', 'key:other');
    case 'url':
      // Webhook endpoints: http to 127.0.0.1 passes with WEBHOOK_ALLOW_PRIVATE (the fuzz test's app sets it).
      return fc.stringMatching(/^[a-z0-9/_-]{0,40}$/).map((p) => new Sym(`hookurl:${p}`));
    case 'event_types':
      return fc.oneof(fc.constant(['*']), fc.uniqueArray(fc.constantFrom(...EVENT_TYPES), { minLength: 1, maxLength: 5 }));
    case 'types':
      return fc.uniqueArray(fc.constantFrom(...EVENT_TYPES), { minLength: 1, maxLength: 4 }).map((types) => types.join(','));
    case 'type':
      // The audit log's filter; elsewhere (AuthZEN subjects and resources) `type` is the schema's.
      return path.endsWith('/audit-log') ? fc.constantFrom(...EVENT_TYPES) : undefined;
    case 'actor_id':
      return syms('user:self', 'user:platform', 'user:orgOwner', 'user:missing');
    case 'target_id':
      return syms('user:target', 'user:self', 'org:own', 'ws:own', 'hook:own');
    case 'from':
      return instant('2000-01-01T00:00:00Z', '2020-01-01T00:00:00Z');
    case 'to':
      return instant('2100-01-01T00:00:00Z', '2200-01-01T00:00:00Z');
    case 'after':
    case 'cursor':
      // A page's `next_cursor` is signed for its own list and filters; an empty one is the first page.
      return fc.constant('');
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
}
