/** One entry of a 422 `detail` list, in the FastAPI / pydantic v2 shape (CONTRACT §3). */
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

type Mapped = Omit<PydanticError, 'loc' | 'input'>;
type Rule = (value: unknown, args: unknown[], message: string) => Mapped;

const plural = (n: unknown, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const quoteList = (values: unknown[]) => {
  const quoted = values.map((v) => `'${String(v)}'`);
  return quoted.length < 2 ? quoted.join('') : `${quoted.slice(0, -1).join(', ')} or ${quoted[quoted.length - 1]}`;
};
const valueError = (text: string): Mapped => ({ type: 'value_error', msg: `Value error, ${text}`, ctx: { error: text } });
const enumValues = (arg: unknown): unknown[] => (Array.isArray(arg) ? arg : Object.values(arg as object));

/**
 * class-validator constraint name → pydantic error. Keys are listed in priority order: when several
 * constraints of one field fail, pydantic reports only the first check that failed (type first).
 */
export const PYDANTIC_RULES: Record<string, Rule> = {
  isDefined: () => ({ type: 'missing', msg: 'Field required' }),
  isString: () => ({ type: 'string_type', msg: 'Input should be a valid string' }),
  isInt: (value) =>
    typeof value === 'string'
      ? { type: 'int_parsing', msg: 'Input should be a valid integer, unable to parse string as an integer' }
      : typeof value === 'number' && Number.isFinite(value)
        ? { type: 'int_from_float', msg: 'Input should be a valid integer, got a number with a fractional part' }
        : { type: 'int_type', msg: 'Input should be a valid integer' },
  isBoolean: (value) =>
    typeof value === 'string' || typeof value === 'number'
      ? { type: 'bool_parsing', msg: 'Input should be a valid boolean, unable to interpret input' }
      : { type: 'bool_type', msg: 'Input should be a valid boolean' },
  isObject: () => ({ type: 'dict_type', msg: 'Input should be a valid dictionary' }),
  nestedValidation: () => ({ type: 'dict_type', msg: 'Input should be a valid dictionary' }),
  isArray: () => ({ type: 'list_type', msg: 'Input should be a valid list' }),
  isUuid: (value) =>
    typeof value === 'string'
      ? { type: 'uuid_parsing', msg: `Input should be a valid UUID, ${uuidProblem(value)}` }
      : { type: 'uuid_type', msg: 'UUID input should be a string, bytes or UUID object' },
  isIn: (_v, [values]) => enumRule(values as unknown[]),
  isEnum: (_v, [values]) => enumRule(enumValues(values)),
  minLength: (_v, [n]) => ({ type: 'string_too_short', msg: `String should have at least ${plural(n, 'character')}`, ctx: { min_length: n } }),
  maxLength: (_v, [n]) => ({ type: 'string_too_long', msg: `String should have at most ${plural(n, 'character')}`, ctx: { max_length: n } }),
  matches: (_v, [pattern]) => {
    const source = pattern instanceof RegExp ? pattern.source : String(pattern);
    return { type: 'string_pattern_mismatch', msg: `String should match pattern '${source}'`, ctx: { pattern: source } };
  },
  min: (_v, [ge]) => ({ type: 'greater_than_equal', msg: `Input should be greater than or equal to ${ge}`, ctx: { ge } }),
  max: (_v, [le]) => ({ type: 'less_than_equal', msg: `Input should be less than or equal to ${le}`, ctx: { le } }),
  isEmail: () => valueError('value is not a valid email address'),
  isUrl: (value) =>
    typeof value === 'string' && /^[a-z][a-z0-9+.-]*:/i.test(value) && !/^https?:/i.test(value)
      ? { type: 'url_scheme', msg: "URL scheme should be 'http' or 'https'", ctx: { expected_schemes: "'http' or 'https'" } }
      : { type: 'url_parsing', msg: 'Input should be a valid URL, relative URL without a base', ctx: { error: 'relative URL without a base' } },
  isTimeZone: () => valueError('unknown timezone, expected an IANA time zone such as Europe/Paris'),
  isLocale: () => valueError('invalid locale, expected a BCP 47 language tag such as en-US'),
  maxJsonBytes: (_v, [limit]) => valueError(`object must be at most ${limit} bytes when serialized as JSON`),
};

const FALLBACK: Rule = (_v, _a, message) => valueError(message);
const PRIORITY = Object.keys(PYDANTIC_RULES);

function enumRule(values: unknown[]): Mapped {
  const expected = quoteList(values);
  return { type: 'enum', msg: `Input should be ${expected}`, ctx: { expected } };
}

/** Mirrors the wording pydantic takes from the Rust `uuid` crate for the common cases. */
function uuidProblem(value: string): string {
  const bad = /[^0-9a-fA-F-]/.exec(value);
  if (bad) {
    return `invalid character: expected an optional prefix of \`urn:uuid:\` followed by [0-9a-fA-F-], found \`${bad[0]}\` at ${bad.index + 1}`;
  }
  const groups = value.split('-');
  if (groups.length === 1) return `invalid length: expected length 32 for simple format, found ${value.length}`;
  if (groups.length !== 5) return `invalid group count: expected 5, found ${groups.length}`;
  const expected = [8, 4, 4, 4, 12];
  const index = groups.findIndex((g, i) => g.length !== expected[i]);
  return `invalid group length in group ${index}: expected ${expected[index]}, found ${groups[index]?.length ?? 0}`;
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
