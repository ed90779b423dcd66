import { ConfigError, int, oneOf, optionalString, string, bool, bytes, trustProxy } from './parsers.js';
import { DEFAULT_EXPENSIVE_READS } from '../common/concurrency/slots.js';

/** Every setting the service reads, with its default; `.env.example` mirrors this list. */
export interface AppConfig {
  nodeEnv: 'development' | 'production' | 'test';
  host: string;
  port: number;
  databaseUrl?: string;
  dataDir: string;
  dbPoolSize: number;
  /** A direct connection for migrations (session advisory lock, no pooler); else `databaseUrl`. */
  databaseMigrationUrl?: string;
  /** Streaming replicas that reads may use; none by default. */
  replicas: { urls: string[]; maxLagMs: number; pollMs: number };
  bodyLimitBytes: number;
  logLevel: string;
  /** During a database outage, the log sums it up at most this often (seconds). */
  logOutageSummarySeconds: number;
  jwt: {
    /** HS256 secret (used when no key pair is given). */
    secret?: string;
    /** RS256 key pair in PEM; when set, tokens are RS256 and `/.well-known/jwks.json` publishes the key. */
    privateKeyPem?: string;
    publicKeyPem?: string;
    issuer: string;
    audience: string;
    accessTtlSeconds: number;
    refreshTtlSeconds: number;
  };
  argon2: { memoryKiB: number; timeCost: number; parallelism: number };
  adminEmail?: string;
  adminPassword?: string;
  redisUrl?: string;
  rateLimit: {
    loginPerMinute: number;
    refreshPerMinute: number;
    /** Verification and password-reset requests (they send mail) per client IP. */
    accountMailPerMinute: number;
    signupPerMinute: number;
    /** Password-reset requests naming one email address, whoever sends them. */
    passwordResetPerEmailPerHour: number;
  };
  /** Searches and member lists of one user: how many run at once, wait, and for how long. */
  expensiveReads: { inFlight: number; queued: number; queueMs: number };
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  shutdownTimeoutMs: number;
  swaggerEnabled: boolean;
  metricsEnabled: boolean;
  /** `GET /metrics` needs `Authorization: Bearer <token>` when set. */
  metricsToken?: string;
  /** Production serves metrics without a token only when this says so. */
  metricsPublic: boolean;
  /** Express's `trust proxy`: which hops' `X-Forwarded-For` gives the client address. */
  trustProxy: false | number | string[];
  /** The background queue: whether this instance runs jobs, and how often it looks for due ones. */
  jobs: { enabled: boolean; pollMs: number };
  /** Conditional writes (428 without `If-Match` when required) and how long idempotency keys are kept. */
  httpConditions: { requireIfMatch: boolean; idempotencyTtlSeconds: number };
  /** Outgoing mail: unset `smtpUrl` sends nothing. */
  mail: { smtpUrl?: string; from: string; retryDelaysMs?: number[] };
  /** How long events are kept (days). */
  eventRetentionDays: number;
  webhooks: WebhookSettings;
  /** Invitations: the accept link (`{token}` is replaced) and the per-org hourly limit. */
  invitations: { acceptUrl: string; perHour: number };
  /** Links mailed to users (`{token}` is filled in), how long they last, and open sign-up. */
  accounts: { verifyEmailUrl: string; passwordResetUrl: string; verifyEmailTtlSeconds: number; passwordResetTtlSeconds: number; signupEnabled: boolean };
}

export interface WebhookSettings {
  /** AES-256-GCM key (32 bytes, base64 or hex) sealing endpoint secrets; generated outside production when unset. */
  secretKey?: string;
  /** Plain http and private, loopback and link-local addresses allowed (development and tests only). */
  allowPrivate: boolean;
  /** Pauses before each retry of a failed delivery. */
  retryScheduleMs: number[];
  /** How long a receiver has to answer. */
  timeoutMs: number;
  /** Deliveries in flight to one endpoint from one instance. */
  perEndpointConcurrency: number;
}

/** 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
export const DEFAULT_WEBHOOK_RETRIES = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];

const PLACEHOLDER_SECRETS = ['change-me', 'changeme', 'secret', 'please-change-me', 'your-secret'];

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const config: AppConfig = {
    ...serverSettings(env),
    jwt: jwtSettings(env),
    argon2: argon2Settings(env),
    adminEmail: optionalString(env, 'ADMIN_EMAIL'),
    adminPassword: optionalString(env, 'ADMIN_PASSWORD'),
    ...limitSettings(env),
    replicas: replicaSettings(env),
    ...exposureSettings(env),
    httpConditions: { requireIfMatch: bool(env, 'REQUIRE_IF_MATCH', false), idempotencyTtlSeconds: int(env, 'IDEMPOTENCY_TTL_SECONDS', 86_400, 1, 31_536_000) },
    jobs: { enabled: bool(env, 'JOBS_ENABLED', true), pollMs: int(env, 'JOBS_POLL_MS', 500, 10, 60_000) },
    invitations: {
      acceptUrl: string(env, 'INVITE_ACCEPT_URL', 'http://localhost:8000/accept-invitation?token={token}'),
      perHour: int(env, 'RATE_LIMIT_INVITES_PER_HOUR', 100, 1, 1_000_000),
    },
    mail: { smtpUrl: optionalString(env, 'SMTP_URL'), from: string(env, 'MAIL_FROM', 'Identity Service <no-reply@localhost>'), retryDelaysMs: delays(env, 'MAIL_RETRY_DELAYS_MS') },
    eventRetentionDays: int(env, 'EVENT_RETENTION_DAYS', 90, 1, 36_500),
    webhooks: webhookSettings(env),
    accounts: accountSettings(env),
  };
  checkSecrets(config);
  checkMetricsAccess(config);
  // Outside production a missing key is generated under DATA_DIR (see dev-secret.ts).
  if (config.nodeEnv === 'production' && !config.webhooks.secretKey) throw new ConfigError('WEBHOOK_SECRET_KEY', 'is required in production (32 random bytes, base64)');
  return config;
}

type Env = NodeJS.ProcessEnv;

function serverSettings(env: Env) {
  return {
    nodeEnv: oneOf(env, 'NODE_ENV', ['development', 'production', 'test'] as const, 'development'),
    host: string(env, 'HOST', '0.0.0.0'),
    port: int(env, 'PORT', 8000, 0, 65535),
    databaseUrl: optionalString(env, 'DATABASE_URL'),
    dataDir: string(env, 'DATA_DIR', './data'),
    dbPoolSize: int(env, 'DB_POOL_SIZE', 10, 1, 200),
    databaseMigrationUrl: optionalString(env, 'DATABASE_MIGRATION_URL'),
    bodyLimitBytes: bytes(env, 'BODY_LIMIT', 1024 * 1024),
    logLevel: oneOf(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'info'),
    logOutageSummarySeconds: int(env, 'LOG_OUTAGE_SUMMARY_SECONDS', 10, 1, 3600),
  };
}

function jwtSettings(env: Env): AppConfig['jwt'] {
  return {
    secret: optionalString(env, 'JWT_SECRET'),
    // A PEM in one environment line carries its line breaks as `\n`.
    privateKeyPem: optionalString(env, 'JWT_PRIVATE_KEY')?.replace(/\\n/g, '\n'),
    publicKeyPem: optionalString(env, 'JWT_PUBLIC_KEY')?.replace(/\\n/g, '\n'),
    issuer: string(env, 'JWT_ISSUER', 'identity-service'),
    audience: string(env, 'JWT_AUDIENCE', 'identity-service'),
    accessTtlSeconds: int(env, 'ACCESS_TOKEN_TTL_SECONDS', 900, 1, 86_400),
    refreshTtlSeconds: int(env, 'REFRESH_TOKEN_TTL_SECONDS', 30 * 86_400, 60, 365 * 86_400),
  };
}

function argon2Settings(env: Env): AppConfig['argon2'] {
  return {
    memoryKiB: int(env, 'ARGON2_MEMORY_KIB', 19_456, 1024, 1_048_576),
    timeCost: int(env, 'ARGON2_TIME_COST', 2, 1, 20),
    parallelism: int(env, 'ARGON2_PARALLELISM', 1, 1, 16),
  };
}

/** Rate limits, the per-user read queue and the HTTP timeouts. */
function limitSettings(env: Env) {
  return {
    redisUrl: optionalString(env, 'REDIS_URL'),
    rateLimit: {
      loginPerMinute: int(env, 'RATE_LIMIT_LOGIN_PER_MINUTE', 10, 1, 1_000_000),
      refreshPerMinute: int(env, 'RATE_LIMIT_REFRESH_PER_MINUTE', 30, 1, 1_000_000),
      accountMailPerMinute: int(env, 'RATE_LIMIT_ACCOUNT_MAIL_PER_MINUTE', 5, 1, 1_000_000),
      signupPerMinute: int(env, 'RATE_LIMIT_SIGNUP_PER_MINUTE', 5, 1, 1_000_000),
      passwordResetPerEmailPerHour: int(env, 'RATE_LIMIT_PASSWORD_RESET_PER_EMAIL_PER_HOUR', 5, 1, 1_000_000),
    },
    expensiveReads: {
      inFlight: int(env, 'EXPENSIVE_READS_PER_USER', DEFAULT_EXPENSIVE_READS.inFlight, 1, 1000),
      queued: int(env, 'EXPENSIVE_READS_QUEUED_PER_USER', DEFAULT_EXPENSIVE_READS.queued, 0, 10_000),
      queueMs: int(env, 'EXPENSIVE_READS_QUEUE_MS', DEFAULT_EXPENSIVE_READS.queueMs, 0, 60_000),
    },
    requestTimeoutMs: int(env, 'REQUEST_TIMEOUT_MS', 30_000, 1000, 600_000),
    headersTimeoutMs: int(env, 'HEADERS_TIMEOUT_MS', 10_000, 100, 600_000),
    shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT_MS', 20_000, 0, 600_000),
  };
}

function replicaSettings(env: Env): AppConfig['replicas'] {
  const urls = (optionalString(env, 'DATABASE_REPLICA_URLS') ?? '').split(',').map((u) => u.trim()).filter(Boolean);
  return {
    urls,
    maxLagMs: int(env, 'REPLICA_MAX_LAG_MS', 5_000, 0, 3_600_000),
    pollMs: int(env, 'REPLICA_POLL_MS', 200, 10, 60_000),
  };
}

/** What the service shows beyond its API: the docs, the metrics, the proxies it believes. */
function exposureSettings(env: Env) {
  return {
    swaggerEnabled: bool(env, 'SWAGGER_ENABLED', true),
    metricsEnabled: bool(env, 'METRICS_ENABLED', true),
    metricsToken: optionalString(env, 'METRICS_TOKEN'),
    metricsPublic: bool(env, 'METRICS_PUBLIC', false),
    trustProxy: trustProxy(env, 'TRUST_PROXY'),
  };
}

function accountSettings(env: Env): AppConfig['accounts'] {
  return {
    verifyEmailUrl: linkTemplate(env, 'VERIFY_EMAIL_URL', 'http://localhost:8000/verify-email?token={token}'),
    passwordResetUrl: linkTemplate(env, 'PASSWORD_RESET_URL', 'http://localhost:8000/reset-password?token={token}'),
    verifyEmailTtlSeconds: int(env, 'VERIFY_EMAIL_TTL_SECONDS', 86_400, 60, 30 * 86_400),
    passwordResetTtlSeconds: int(env, 'PASSWORD_RESET_TTL_SECONDS', 3_600, 60, 7 * 86_400),
    signupEnabled: bool(env, 'SIGNUP_ENABLED', false),
  };
}

/** A link mailed to users: an http(s) URL with `{token}` where the token goes. */
function linkTemplate(env: Env, name: string, fallback: string): string {
  const value = string(env, name, fallback);
  if (!value.includes('{token}')) throw new ConfigError(name, 'must contain {token}, where the link carries the token');
  if (!/^https?:\/\//i.test(value)) throw new ConfigError(name, 'must be an http:// or https:// URL');
  return value;
}

const METRICS_TOKEN_MIN = 16;

/** Metrics tell an outsider about traffic and load: production exposes them by choice only. */
function checkMetricsAccess(config: AppConfig): void {
  const { metricsToken, metricsPublic } = config;
  if (metricsToken !== undefined && metricsToken.length < METRICS_TOKEN_MIN) {
    throw new ConfigError('METRICS_TOKEN', `must be at least ${METRICS_TOKEN_MIN} characters`);
  }
  if (metricsToken !== undefined && metricsPublic) throw new ConfigError('METRICS_PUBLIC', 'cannot be true while METRICS_TOKEN is set (choose one)');
  if (config.nodeEnv === 'production' && config.metricsEnabled && metricsToken === undefined && !metricsPublic) {
    throw new ConfigError('METRICS_TOKEN', 'is required in production (or set METRICS_PUBLIC=true, or METRICS_ENABLED=false)');
  }
}

function webhookSettings(env: Env): WebhookSettings {
  return {
    secretKey: optionalString(env, 'WEBHOOK_SECRET_KEY'),
    allowPrivate: bool(env, 'WEBHOOK_ALLOW_PRIVATE', false),
    retryScheduleMs: delays(env, 'WEBHOOK_RETRY_SCHEDULE') ?? DEFAULT_WEBHOOK_RETRIES,
    timeoutMs: int(env, 'WEBHOOK_TIMEOUT_MS', 15_000, 100, 60_000),
    perEndpointConcurrency: int(env, 'WEBHOOK_ENDPOINT_CONCURRENCY', 4, 1, 100),
  };
}

function checkSecrets(config: AppConfig): void {
  const { secret, privateKeyPem, publicKeyPem } = config.jwt;
  if (!!privateKeyPem !== !!publicKeyPem) {
    throw new ConfigError('JWT_PRIVATE_KEY', 'must be set together with JWT_PUBLIC_KEY (RS256 needs both)');
  }
  if (config.nodeEnv !== 'production' || privateKeyPem) return;
  if (!secret) throw new ConfigError('JWT_SECRET', 'is required in production (or configure JWT_PRIVATE_KEY/JWT_PUBLIC_KEY)');
  if (secret.length < 32 || PLACEHOLDER_SECRETS.includes(secret.toLowerCase())) {
    throw new ConfigError('JWT_SECRET', 'must be a real secret of at least 32 characters in production, not a placeholder');
  }
}

/** A comma-separated list of pauses in milliseconds (e.g. `5000,30000`), or undefined for the default. */
function delays(env: Env, name: string): number[] | undefined {
  const raw = optionalString(env, name);
  if (raw === undefined) return undefined;
  const values = raw.split(',').map((part) => Number(part.trim()));
  if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v < 0 || v > 86_400_000)) {
    throw new ConfigError(name, 'must be a comma-separated list of milliseconds, e.g. 5000,30000');
  }
  return values;
}
