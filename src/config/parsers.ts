import { isIP } from 'node:net';

/** Raised at start when an environment variable is malformed; the message names the variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = NodeJS.ProcessEnv;

export function optionalString(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

export function string(env: Env, name: string, fallback: string): string {
  return optionalString(env, name) ?? fallback;
}

export function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = optionalString(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw.trim()) || value < min || value > max) {
    throw new ConfigError(name, `must be an integer from ${min} to ${max} (got "${raw}")`);
  }
  return value;
}

export function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = optionalString(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `must be true or false (got "${raw}")`);
}

export function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = optionalString(env, name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')} (got "${raw}")`);
  }
  return raw as T;
}

const UNITS: Record<string, number> = { '': 1, b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** Accepts a byte count or a size such as `1mb`, `512kb`. */
export function bytes(env: Env, name: string, fallback: number): number {
  const raw = optionalString(env, name);
  if (raw === undefined) return fallback;
  const match = /^(\d+)\s*(b|kb|mb|gb)?$/i.exec(raw.trim());
  const value = match ? Number(match[1]) * UNITS[(match[2] ?? '').toLowerCase()] : NaN;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ConfigError(name, `must be a size such as 1048576, 512kb or 1mb (got "${raw}")`);
  }
  return value;
}

/** Express's names for address ranges (`loopback` = 127.0.0.1/8 and ::1/128, and so on). */
const NAMED_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * Express's `trust proxy`: `false` (unset, `false` or `0`), a hop count, or a comma-separated list
 * of addresses, CIDR ranges and Express's named ranges. `true` (trust every hop) is refused: any
 * client could then choose the address its rate limit is counted under.
 */
export function trustProxy(env: Env, name: string): false | number | string[] {
  const raw = optionalString(env, name)?.trim();
  if (raw === undefined || raw.toLowerCase() === 'false' || raw === '0') return false;
  if (/^\d+$/.test(raw)) return int(env, name, 0, 0, 32);
  const entries = raw.split(',').map((entry) => entry.trim());
  const bad = entries.find((entry) => !NAMED_RANGES.includes(entry) && !isAddressOrCidr(entry));
  if (bad !== undefined) {
    throw new ConfigError(name, `must be a hop count or a comma-separated list of addresses, CIDR ranges or ${NAMED_RANGES.join('/')} (got "${bad}")`);
  }
  return entries;
}

function isAddressOrCidr(entry: string): boolean {
  const [address, prefix, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}
