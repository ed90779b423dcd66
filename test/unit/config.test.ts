import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../dist/config/config.js';
import { withDevelopmentSecret } from '../../dist/config/dev-secret.js';
import { ConfigError } from '../../dist/config/parsers.js';

const REAL_SECRET = 'k'.repeat(32);
const METRICS_TOKEN = 'm'.repeat(24);

function failure(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

const WEBHOOK_SECRET_KEY = Buffer.alloc(32, 7).toString('base64');

describe('loadConfig', () => {
  it('has a default for everything, so an empty environment starts (outside production)', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      nodeEnv: 'development',
      host: '0.0.0.0',
      port: 8000,
      databaseUrl: undefined,
      dataDir: './data',
      dbPoolSize: 10,
      bodyLimitBytes: 1024 * 1024,
      logLevel: 'info',
      requestTimeoutMs: 30_000,
      shutdownTimeoutMs: 20_000,
      swaggerEnabled: true,
      metricsEnabled: true,
    });
    expect(config.jwt).toMatchObject({ issuer: 'identity-service', audience: 'identity-service', accessTtlSeconds: 900, refreshTtlSeconds: 2_592_000 });
    expect(config.expensiveReads).toEqual({ inFlight: 2, queued: 8, queueMs: 2000 });
  });

  it('reads sizes, booleans and empty values', () => {
    expect(loadConfig({ BODY_LIMIT: '512kb' }).bodyLimitBytes).toBe(524_288);
    expect(loadConfig({ BODY_LIMIT: '2MB' }).bodyLimitBytes).toBe(2 * 1024 * 1024);
    expect(loadConfig({ BODY_LIMIT: '1000' }).bodyLimitBytes).toBe(1000);
    expect(loadConfig({ SWAGGER_ENABLED: 'off', METRICS_ENABLED: 'no' })).toMatchObject({ swaggerEnabled: false, metricsEnabled: false });
    // An empty value (as in a copied .env.example) means "use the default".
    expect(loadConfig({ PORT: '', DATABASE_URL: '' })).toMatchObject({ port: 8000, databaseUrl: undefined });
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT', 'Invalid configuration: PORT must be an integer from 0 to 65535 (got "eighty")'],
    [{ PORT: '70000' }, 'PORT', 'Invalid configuration: PORT must be an integer from 0 to 65535 (got "70000")'],
    [{ PORT: '80.5' }, 'PORT', 'Invalid configuration: PORT must be an integer from 0 to 65535 (got "80.5")'],
    [{ DB_POOL_SIZE: '0' }, 'DB_POOL_SIZE', 'Invalid configuration: DB_POOL_SIZE must be an integer from 1 to 200 (got "0")'],
    [{ EXPENSIVE_READS_PER_USER: '0' }, 'EXPENSIVE_READS_PER_USER', 'Invalid configuration: EXPENSIVE_READS_PER_USER must be an integer from 1 to 1000 (got "0")'],
    [{ BODY_LIMIT: 'huge' }, 'BODY_LIMIT', 'Invalid configuration: BODY_LIMIT must be a size such as 1048576, 512kb or 1mb (got "huge")'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', 'Invalid configuration: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV', 'Invalid configuration: NODE_ENV must be one of development, production, test (got "staging")'],
    [{ SWAGGER_ENABLED: 'maybe' }, 'SWAGGER_ENABLED', 'Invalid configuration: SWAGGER_ENABLED must be true or false (got "maybe")'],
    [{ JWT_PRIVATE_KEY: 'pem' }, 'JWT_PRIVATE_KEY', 'Invalid configuration: JWT_PRIVATE_KEY must be set together with JWT_PUBLIC_KEY (RS256 needs both)'],
  ])('%j fails naming %s', (env, variable, message) => {
    const error = failure(env);
    expect(error.variable).toBe(variable);
    expect(error.message).toBe(message);
  });

  describe('in production', () => {
    it('requires a JWT secret', () => {
      expect(failure({ NODE_ENV: 'production' }).message).toBe(
        'Invalid configuration: JWT_SECRET is required in production (or configure JWT_PRIVATE_KEY/JWT_PUBLIC_KEY)',
      );
    });

    it.each(['change-me', 'CHANGEME', 'secret', 'short-but-real-1'])('refuses the placeholder or weak secret %j', (secret) => {
      const error = failure({ NODE_ENV: 'production', JWT_SECRET: secret });
      expect(error.variable).toBe('JWT_SECRET');
      expect(error.message).toBe('Invalid configuration: JWT_SECRET must be a real secret of at least 32 characters in production, not a placeholder');
    });

    it('accepts a real secret, or an RS256 key pair instead', () => {
      expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: REAL_SECRET, METRICS_TOKEN, WEBHOOK_SECRET_KEY }).jwt.secret).toBe(REAL_SECRET);
      const pair = loadConfig({ NODE_ENV: 'production', JWT_PRIVATE_KEY: 'a\\nb', JWT_PUBLIC_KEY: 'c\\nd', METRICS_TOKEN, WEBHOOK_SECRET_KEY });
      expect(pair.jwt).toMatchObject({ privateKeyPem: 'a\nb', publicKeyPem: 'c\nd', secret: undefined });
    });

    it('requires a metrics token, unless metrics are declared public or turned off', () => {
      const error = failure({ NODE_ENV: 'production', JWT_SECRET: REAL_SECRET });
      expect(error.variable).toBe('METRICS_TOKEN');
      expect(error.message).toBe('Invalid configuration: METRICS_TOKEN is required in production (or set METRICS_PUBLIC=true, or METRICS_ENABLED=false)');
      expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: REAL_SECRET, METRICS_TOKEN, WEBHOOK_SECRET_KEY }).metricsToken).toBe(METRICS_TOKEN);
      expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: REAL_SECRET, METRICS_PUBLIC: 'true', WEBHOOK_SECRET_KEY }).metricsPublic).toBe(true);
      expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: REAL_SECRET, METRICS_ENABLED: 'false', WEBHOOK_SECRET_KEY }).metricsToken).toBeUndefined();
    });
  });

  it('validates the metrics token wherever it is set', () => {
    expect(loadConfig({})).toMatchObject({ metricsToken: undefined, metricsPublic: false });
    expect(failure({ METRICS_TOKEN: 'short' }).message).toBe('Invalid configuration: METRICS_TOKEN must be at least 16 characters');
    expect(failure({ METRICS_TOKEN, METRICS_PUBLIC: 'true' }).variable).toBe('METRICS_PUBLIC');
  });

  it.each([
    [undefined, false],
    ['false', false],
    ['0', false],
    ['1', 1],
    ['2', 2],
    ['10.0.0.1', ['10.0.0.1']],
    ['10.0.0.0/8, 192.168.1.0/24,loopback', ['10.0.0.0/8', '192.168.1.0/24', 'loopback']],
    ['fd00::/8,::1', ['fd00::/8', '::1']],
  ])('reads TRUST_PROXY=%j as %j', (raw, expected) => {
    expect(loadConfig(raw === undefined ? {} : { TRUST_PROXY: raw }).trustProxy).toEqual(expected);
  });

  it.each(['true', 'yes', '10.0.0.0/33', '300.1.1.1', 'example.com', '10.0.0.1,', '33'])('refuses TRUST_PROXY=%j, naming it', (raw) => {
    const error = failure({ TRUST_PROXY: raw });
    expect(error.variable).toBe('TRUST_PROXY');
  });

  it('reads exactly the variables that .env.example lists', () => {
    const read = new Set<string>();
    const env = new Proxy({} as NodeJS.ProcessEnv, {
      get: (_target, name) => {
        if (typeof name === 'string') read.add(name);
        return undefined;
      },
    });
    loadConfig(env);
    const listed = readFileSync('.env.example', 'utf8')
      .split('\n')
      .map((line) => /^([A-Z][A-Z0-9_]*)=/.exec(line)?.[1])
      .filter((name): name is string => !!name);
    expect([...read].sort()).toEqual([...listed].sort());
  });
});

describe('the development JWT secret', () => {
  it('is generated once under DATA_DIR and reused', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'identity-secret-'));
    try {
      const first = await withDevelopmentSecret(loadConfig({ DATA_DIR: dataDir }));
      const second = await withDevelopmentSecret(loadConfig({ DATA_DIR: dataDir }));
      expect(first.jwt.secret!.length).toBeGreaterThanOrEqual(32);
      expect(second.jwt.secret).toBe(first.jwt.secret);
      expect((await fs.stat(path.join(dataDir, 'jwt-secret'))).mode & 0o777).toBe(0o600);
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }
  });

  it('is never made up in production, nor when one is configured', async () => {
    const production = loadConfig({ NODE_ENV: 'production', JWT_SECRET: REAL_SECRET, METRICS_PUBLIC: 'true', WEBHOOK_SECRET_KEY, DATA_DIR: '/nonexistent' });
    expect(await withDevelopmentSecret(production)).toBe(production);
    const configured = loadConfig({ JWT_SECRET: 'given', WEBHOOK_SECRET_KEY, DATA_DIR: '/nonexistent' });
    expect((await withDevelopmentSecret(configured)).jwt.secret).toBe('given');
  });
});
