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

const TRUE_TEXT = new Set(['true', '1', 'yes', 'on', 't', 'y']);
const FALSE_TEXT = new Set(['false', '0', 'no', 'off', 'f', 'n']);

/** Query text to a boolean the way pydantic reads one (`true`, `1`, `yes`, `on`, …); the rest for `@IsBoolean`. */
export function QueryBool(): PropertyDecorator {
  return Transform(({ value }) => {
    const text = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
    return text !== undefined && TRUE_TEXT.has(text) ? true : text !== undefined && FALSE_TEXT.has(text) ? false : value;
  });
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

/**
 * Characters that render as nothing or reorder the text around them: C0 and C1 controls, format
 * characters (zero-width space and joiners, soft hyphen, bidi embeddings, overrides and isolates,
 * byte-order mark) and the line and paragraph separators. In an email or a name they make two
 * values that look the same differ.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

/** The first invisible character of `value` as `U+XXXX`, if any. */
export function invisibleCharacterIn(value: string): string | undefined {
  const found = INVISIBLE.exec(value)?.[0];
  return found === undefined ? undefined : `U+${found.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** A string without control, zero-width, soft-hyphen or bidi-formatting characters. */
export function NoInvisibleCharacters(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'noInvisibleCharacters',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || invisibleCharacterIn(value) === undefined,
        defaultMessage: () => 'must not contain invisible or control characters',
      },
    },
    options,
  );
}

/** A string with at least one character that is not whitespace. */
export function NotBlank(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'notBlank',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || value.trim() !== '',
        defaultMessage: () => 'must not be empty or only whitespace',
      },
    },
    options,
  );
}
