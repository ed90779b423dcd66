/**
 * The direction of imports in src/, checked by `npm run lint:deps` (part of `npm test`):
 * features (users, auth, members, workspaces, health, accounts) point inward at access, common, database and
 * config, and at another feature only through its public surface; common knows no feature; no
 * cycles anywhere.
 */
const FEATURES = '^src/(users|auth|members|workspaces|health|webhooks|invitations|accounts)/';

module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', from: { path: '^src/' }, to: { circular: true } },
    {
      name: 'common-knows-no-feature',
      comment: 'common/ holds what every feature shares; it must not depend on any of them.',
      severity: 'error',
      from: { path: '^src/common/' },
      // The permission table is a leaf of plain types and data, so errors can name a typed permission.
      to: { path: '^src/(users|auth|members|workspaces|health|webhooks|invitations|access|app\\.|main|server|index)', pathNot: '^src/access/(permissions|roles)\\.ts$' },
    },
    {
      name: 'inner-layers-know-no-feature',
      comment: 'config/ and database/ sit under every feature.',
      severity: 'error',
      from: { path: '^src/(config|database)/' },
      to: { path: FEATURES },
    },
    {
      name: 'features-through-public-surfaces',
      comment:
        'A feature reaches another only through what that one offers to all: auth its decorators, the ' +
        'services it exports and its rate limits; users its module, service, bodies, response and ' +
        'email-change listener. Shared rows are entities in database/, shared rules in access/.',
      severity: 'error',
      from: { path: '^src/(users|auth|members|workspaces|health|webhooks|invitations|accounts)/' },
      to: {
        path: '^src/(users|auth|members|workspaces|health|webhooks|invitations|accounts)/',
        pathNot: [
          '^src/$1/',
          '^src/auth/(current-user\\.decorator|public\\.decorator|password-hasher|refresh-tokens|token\\.service|access-token-verifier|auth\\.module|dto/auth\\.dto|rate-limit/(auth-throttler\\.guard|keyed-rate-limiter))\\.ts$',
          // The metrics registry and its module, for a feature that publishes figures of its own.
          '^src/health/(metrics|health\\.module)\\.ts$',
          // What members and users offer to others: their modules, exported services, scopes and DTOs.
          '^src/members/(members\\.module|memberships\\.service|membership-scope|member\\.dto)\\.ts$',
          '^src/users/(users\\.module|users\\.service|email-change|user-response|user-errors|dto/users\\.dto|dto/user-fields|dto/user-response\\.dto)\\.ts$',
        ],
      },
    },
    {
      name: 'outbox-and-queue-know-no-feature',
      comment: 'events/, jobs/ and mail/ are used by every feature; they depend on none.',
      severity: 'error',
      from: { path: '^src/(events|jobs|mail)/' },
      to: { path: FEATURES },
    },
    {
      name: 'features-not-into-composition',
      comment: 'Nothing but the entry points imports the root module or the process start.',
      severity: 'error',
      from: { path: '^src/(?!main|server|app\\.setup)' },
      to: { path: '^src/(app\\.module|app\\.setup|main|server)\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
