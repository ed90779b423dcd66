import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { AppConfig } from './config.js';

/**
 * Outside production a missing JWT_SECRET is generated once and kept under DATA_DIR, so the
 * two-command start works and tokens survive a restart. Production refuses to start without one.
 */
export async function withDevelopmentSecret(config: AppConfig): Promise<AppConfig> {
  if (config.jwt.secret || config.jwt.privateKeyPem || config.nodeEnv === 'production') return config;
  const file = path.join(path.resolve(config.dataDir), 'jwt-secret');
  if (!existsSync(file)) {
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, randomBytes(48).toString('base64url'), { mode: 0o600, flag: 'wx' }).catch(() => undefined);
  }
  const secret = (await fs.readFile(file, 'utf8')).trim();
  return { ...config, jwt: { ...config.jwt, secret } };
}
