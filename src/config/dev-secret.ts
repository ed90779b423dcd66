import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { AppConfig } from './config.js';

/**
 * Outside production a missing JWT_SECRET (and WEBHOOK_SECRET_KEY) is generated once and kept under
 * DATA_DIR, so the two-command start works and tokens and sealed webhook secrets survive a restart.
 * Production refuses to start without them.
 */
export async function withDevelopmentSecret(config: AppConfig): Promise<AppConfig> {
  if (config.nodeEnv === 'production') return config;
  let result = config;
  if (!config.jwt.secret && !config.jwt.privateKeyPem) {
    result = { ...result, jwt: { ...result.jwt, secret: await keptSecret(config.dataDir, 'jwt-secret', () => randomBytes(48).toString('base64url')) } };
  }
  if (!config.webhooks.secretKey) {
    const secretKey = await keptSecret(config.dataDir, 'webhook-secret-key', () => randomBytes(32).toString('base64'));
    result = { ...result, webhooks: { ...result.webhooks, secretKey } };
  }
  return result;
}

async function keptSecret(dataDir: string, name: string, generate: () => string): Promise<string> {
  const file = path.join(path.resolve(dataDir), name);
  if (!existsSync(file)) {
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, generate(), { mode: 0o600, flag: 'wx' }).catch(() => undefined);
  }
  return (await fs.readFile(file, 'utf8')).trim();
}
