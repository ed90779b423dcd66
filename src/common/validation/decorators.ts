import { Transform } from 'class-transformer';
import { ValidateBy, ValidateIf, type ValidationOptions } from 'class-validator';

/** Absent is fine; `null` is still validated (and so refused) for a field that cannot be cleared. */
export function Optional(): PropertyDecorator {
  return ValidateIf((_object, value) => value !== undefined);
}

/** Absent or `null` (= clear the field) are both accepted. */
export function Nullable(): PropertyDecorator {
  return ValidateIf((_object, value) => value !== undefined && value !== null);
}

/** Query strings arrive as text: turn integer-looking text into a number, leave the rest for `@IsInt`. */
export function QueryInt(): PropertyDecorator {
  return Transform(({ value }) => (typeof value === 'string' && /^[+-]?\d+$/.test(value.trim()) ? Number(value) : value));
}

/** A JSON value whose serialized size is at most `limit` bytes. */
export function MaxJsonBytes(limit: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'maxJsonBytes',
      constraints: [limit],
      validator: {
        validate: (value: unknown) => value === undefined || Buffer.byteLength(JSON.stringify(value) ?? '') <= limit,
        defaultMessage: () => `must be at most ${limit} bytes as JSON`,
      },
    },
    options,
  );
}

/** An IANA time zone name that this runtime knows, e.g. `Europe/Paris` or `UTC`. */
export function IsTimeZone(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isTimeZone',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && isTimeZone(value),
        defaultMessage: () => 'must be an IANA time zone',
      },
    },
    options,
  );
}

/** A well-formed BCP 47 language tag, e.g. `en`, `en-US`, `zh-Hant-TW`. */
export function IsLocale(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isLocale',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && isLocale(value),
        defaultMessage: () => 'must be a BCP 47 language tag',
      },
    },
    options,
  );
}

function isTimeZone(value: string): boolean {
  if (value.length === 0 || value.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

function isLocale(value: string): boolean {
  if (value.length === 0 || value.length > 35) return false;
  try {
    return Intl.getCanonicalLocales(value).length === 1;
  } catch {
    return false;
  }
}
