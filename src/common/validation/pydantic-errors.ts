import { invisibleCharacterIn } from './decorators.js';
import { uuidParseError } from './uuid-error.js';

/** One entry of a 422 `detail` list, in the FastAPI / pydantic v2 shape. */
export interface PydanticError {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: unknown;
  ctx?: Record<string, unknown>;
}

export type Location = 'body' | 'query' | 'path';

export class RequestValidationError extends Error {
  constructor(readonly detail: PydanticError[]) {
    super('Request validation failed');
    this.name = 'RequestValidationError';
  }
}

export type Mapped = Omit<PydanticError, 'loc' | 'input'>;
type Rule = (value: unknown, args: unknown[], message: string) => Mapped;

const plural = (n: unknown, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Python's `repr` of a JSON scalar, as pydantic prints allowed values. */
function pyRepr(value: unknown): string {
  if (typeof value === 'string') return value.includes("'") && !value.includes('"') ? `"${value.replace(/\\/g, '\\\\')}"` : `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (value === null || value === undefined) return 'None';
  return String(value);
}

/** `'a', 'b' or 'c'`, as in pydantic's `enum` message and `ctx.expected`. */
function expectedList(values: unknown[]): string {
  const shown = values.map(pyRepr);
  return shown.length < 2 ? shown.join('') : `${shown.slice(0, -1).join(', ')} or ${shown[shown.length - 1]}`;
}

// A string-typed field given another JSON type fails pydantic's type check before any format check.
const STRING_TYPE: Mapped = { type: 'string_type', msg: 'Input should be a valid string' };
const valueError = (text: string): Mapped => ({ type: 'value_error', msg: `Value error, ${text}`, ctx: { error: text } });
const enumValues = (arg: unknown): unknown[] => {
  if (Array.isArray(arg)) return arg;
  // A TypeScript numeric enum also maps its values back to its names: keep the values only.
  const entries = Object.entries(arg as object);
  return entries.filter(([key]) => !/^\d+$/.test(key)).map(([, value]) => value);
};
const tooShort = (n: unknown): Mapped => ({ type: 'string_too_short', msg: `String should have at least ${plural(n, 'character')}`, ctx: { min_length: n } });
const tooLong = (n: unknown): Mapped => ({ type: 'string_too_long', msg: `String should have at most ${plural(n, 'character')}`, ctx: { max_length: n } });

/**
 * class-validator constraint name → pydantic v2 error (type, message and context as FastAPI sends
 * them). Keys are listed in priority order: when several constraints of one field fail, pydantic
 * reports only the first check that failed (type first). Unlisted constraints become `value_error`.
 */
export const PYDANTIC_RULES: Record<string, Rule> = {
  isDefined: () => ({ type: 'missing', msg: 'Field required' }),
  isString: () => STRING_TYPE,
  isInt: (value) =>
    typeof value === 'string'
      ? { type: 'int_parsing', msg: 'Input should be a valid integer, unable to parse string as an integer' }
      : typeof value === 'number' && Number.isFinite(value)
        ? { type: 'int_from_float', msg: 'Input should be a valid integer, got a number with a fractional part' }
        : typeof value === 'number' && !Number.isNaN(value)
          ? { type: 'finite_number', msg: 'Input should be a finite number' }
          : { type: 'int_type', msg: 'Input should be a valid integer' },
  isNumber: (value) =>
    typeof value === 'string'
      ? { type: 'float_parsing', msg: 'Input should be a valid number, unable to parse string as a number' }
      : { type: 'float_type', msg: 'Input should be a valid number' },
  isBoolean: (value) =>
    typeof value === 'string' || typeof value === 'number'
      ? { type: 'bool_parsing', msg: 'Input should be a valid boolean, unable to interpret input' }
      : { type: 'bool_type', msg: 'Input should be a valid boolean' },
  isObject: () => ({ type: 'dict_type', msg: 'Input should be a valid dictionary' }),
  nestedValidation: () => ({ type: 'dict_type', msg: 'Input should be a valid dictionary' }),
  isArray: () => ({ type: 'list_type', msg: 'Input should be a valid list' }),
  // Before length, pattern and format checks: the invisible character is what is wrong.
  noInvisibleCharacters: (value) =>
    typeof value === 'string' ? valueError(`must not contain invisible or control characters (found ${invisibleCharacterIn(value)})`) : STRING_TYPE,
  isUuid: (value, [version]) => {
    if (typeof value !== 'string') return { type: 'uuid_type', msg: 'UUID input should be a string, bytes or UUID object' };
    const error = uuidParseError(value);
    if (!error && version !== undefined && version !== 'all') {
      return { type: 'uuid_version', msg: `UUID version ${version} expected`, ctx: { expected_version: Number(version) } };
    }
    const reason = error ?? 'failed to parse a UUID';
    return { type: 'uuid_parsing', msg: `Input should be a valid UUID, ${reason}`, ctx: { error: reason } };
  },
  isIn: (_v, [values]) => enumRule(values as unknown[]),
  isEnum: (_v, [values]) => enumRule(enumValues(values)),
  isNotEmpty: () => tooShort(1),
  minLength: (_v, [n]) => tooShort(n),
  maxLength: (_v, [n]) => tooLong(n),
  isLength: (value, [min, max]) => (typeof value === 'string' && value.length < (min as number) ? tooShort(min) : tooLong(max)),
  arrayMinSize: (value, [n]) => listSize('too_short', 'least', 'min_length', n, value),
  arrayMaxSize: (value, [n]) => listSize('too_long', 'most', 'max_length', n, value),
  matches: (_v, [pattern]) => {
    const source = pattern instanceof RegExp ? pattern.source : String(pattern);
    return { type: 'string_pattern_mismatch', msg: `String should match pattern '${source}'`, ctx: { pattern: source } };
  },
  min: (_v, [ge]) => ({ type: 'greater_than_equal', msg: `Input should be greater than or equal to ${ge}`, ctx: { ge } }),
  max: (_v, [le]) => ({ type: 'less_than_equal', msg: `Input should be less than or equal to ${le}`, ctx: { le } }),
  isEmail: (value) => (typeof value === 'string' ? valueError('value is not a valid email address') : STRING_TYPE),
  isUrl: (value) =>
    typeof value !== 'string'
      ? { type: 'url_type', msg: 'URL input should be a string or URL' }
      : /^[a-z][a-z0-9+.-]*:/i.test(value) && !/^https?:/i.test(value)
      ? { type: 'url_scheme', msg: "URL scheme should be 'http' or 'https'", ctx: { expected_schemes: "'http' or 'https'" } }
      : { type: 'url_parsing', msg: 'Input should be a valid URL, relative URL without a base', ctx: { error: 'relative URL without a base' } },
  isTimeZone: (value) => (typeof value === 'string' ? valueError('unknown timezone, expected an IANA time zone such as Europe/Paris') : STRING_TYPE),
  isLocale: (value) => (typeof value === 'string' ? valueError('invalid locale, expected a BCP 47 language tag such as en-US') : STRING_TYPE),
  maxJsonBytes: (_v, [limit]) => valueError(`object must be at most ${limit} bytes when serialized as JSON`),
  notBlank: () => valueError('must not be empty or only whitespace'),
};

const FALLBACK: Rule = (_v, _a, message) => valueError(message);
const PRIORITY = Object.keys(PYDANTIC_RULES);

function enumRule(values: unknown[]): Mapped {
  const expected = expectedList(values);
  return { type: 'enum', msg: `Input should be ${expected}`, ctx: { expected } };
}

function listSize(type: string, bound: string, key: string, n: unknown, value: unknown): Mapped {
  const actual = Array.isArray(value) ? value.length : 0;
  return {
    type,
    msg: `List should have at ${bound} ${plural(n, 'item')} after validation, not ${actual}`,
    ctx: { field_type: 'List', [key]: n, actual_length: actual },
  };
}

/** Picks the one constraint pydantic would have reported for a field, and maps it. */
export function mapConstraint(failed: { name: string; args: unknown[]; message: string }[], value: unknown): Mapped {
  const ranked = [...failed].sort((a, b) => rank(a.name) - rank(b.name));
  const first = ranked[0];
  return (PYDANTIC_RULES[first.name] ?? FALLBACK)(value, first.args, first.message);
}

function rank(name: string): number {
  const index = PRIORITY.indexOf(name);
  return index === -1 ? PRIORITY.length : index;
}
