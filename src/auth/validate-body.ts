import { validateDto } from '../common/validation/validate-dto.js';
import { RequestValidationError } from '../common/validation/pydantic-errors.js';

const SECRET_FIELDS = new Set(['password', 'current_password', 'refresh_token', 'client_secret']);
const REDACTED = '**********';

/**
 * Validates a request body like the global pipe does, for handlers that must check permissions
 * first (the check order: 403 before the body's 422) or whose body carries secrets: a password
 * or token is never echoed back in a 422's `input`.
 */
export async function validateBody<T extends object>(metatype: new () => T, raw: unknown): Promise<T> {
  try {
    return await validateDto(metatype, raw, 'body');
  } catch (error) {
    if (!(error instanceof RequestValidationError)) throw error;
    throw new RequestValidationError(error.detail.map((d) => ({ ...d, input: isSecret(d.loc) && d.type !== 'missing' ? REDACTED : redact(d.input) })));
  }
}

function isSecret(loc: (string | number)[]): boolean {
  return loc.length === 2 && typeof loc[1] === 'string' && SECRET_FIELDS.has(loc[1]);
}

/** A missing field echoes the enclosing object: hide the secrets in it. */
export function redact(input: unknown): unknown {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return input;
  const copy: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  for (const key of Object.keys(copy)) if (SECRET_FIELDS.has(key)) copy[key] = REDACTED;
  return copy;
}
