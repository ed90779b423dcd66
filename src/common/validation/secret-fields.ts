import type { PydanticError } from './pydantic-errors.js';

const SECRET_FIELDS = new Set(['password', 'current_password', 'new_password', 'refresh_token', 'token', 'client_secret']);
const REDACTED = '**********';

/** A body's 422 never echoes a password or token back in its `input`. */
export function maskSecrets(detail: PydanticError[]): PydanticError[] {
  return detail.map((d) => ({ ...d, input: isSecret(d.loc) && d.type !== 'missing' ? REDACTED : redact(d.input) }));
}

function isSecret(loc: (string | number)[]): boolean {
  return loc.length === 2 && typeof loc[1] === 'string' && SECRET_FIELDS.has(loc[1]);
}

/** A missing field echoes the enclosing object: hide the secrets in it. */
function redact(input: unknown): unknown {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return input;
  const copy: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  for (const key of Object.keys(copy)) if (SECRET_FIELDS.has(key)) copy[key] = REDACTED;
  return copy;
}
