import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsEnum,
  IsIn,
  IsInt,
  IsObject,
  IsString,
  IsUUID,
  IsUrl,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
  Contains,
} from 'class-validator';
import * as classValidator from 'class-validator';
import { describe, expect, it } from 'vitest';
import { CursorCodec } from '../../dist/common/pagination/cursor.js';
import { IsLocale, IsTimeZone, MaxJsonBytes, Optional, QueryInt } from '../../dist/common/validation/decorators.js';
import { locateJsonError } from '../../dist/common/validation/json-error.js';
import { PYDANTIC_RULES, RequestValidationError, type Location, type PydanticError } from '../../dist/common/validation/pydantic-errors.js';
import { uuidParseError } from '../../dist/common/validation/uuid-error.js';
import { validateDto } from '../../dist/common/validation/validate-dto.js';

/** The 422 `detail` that validating `input` against `dto` produces (fails the test if it passes). */
async function detail(dto: new () => object, input: unknown, location: Location = 'body'): Promise<PydanticError[]> {
  try {
    await validateDto(dto, input, location);
  } catch (error) {
    if (error instanceof RequestValidationError) return error.detail;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be refused`);
}

/** The single entry for one field, checked to be the only one. */
async function only(dto: new () => object, input: unknown, location: Location = 'body'): Promise<PydanticError> {
  const entries = await detail(dto, input, location);
  expect(entries).toHaveLength(1);
  return entries[0];
}

describe('the mapping table', () => {
  it('is keyed by constraint names that class-validator (or our own decorators) really use', () => {
    const known = new Set<string>(['nestedValidation', 'isTimeZone', 'isLocale', 'maxJsonBytes', 'noInvisibleCharacters', 'notBlank']);
    for (const [key, value] of Object.entries(classValidator)) if (/^[A-Z_]+$/.test(key) && typeof value === 'string') known.add(value);
    expect(Object.keys(PYDANTIC_RULES).filter((name) => !known.has(name))).toEqual([]);
  });
});

class Name {
  @IsString() @MinLength(3) @MaxLength(5) @Matches(/^[a-z]+$/) name: string;
}

describe('missing', () => {
  it('echoes the enclosing object for a body field', async () => {
    expect(await only(Name, { other: 1 })).toEqual({ type: 'missing', loc: ['body', 'name'], msg: 'Field required', input: { other: 1 } });
  });

  it('gives null as input for a query or path value', async () => {
    expect(await only(Name, {}, 'query')).toEqual({ type: 'missing', loc: ['query', 'name'], msg: 'Field required', input: null });
    expect(await only(Name, {}, 'path')).toEqual({ type: 'missing', loc: ['path', 'name'], msg: 'Field required', input: null });
  });

  it('reports an absent body as a whole', async () => {
    expect(await only(Name, undefined)).toEqual({ type: 'missing', loc: ['body'], msg: 'Field required', input: null });
  });

  it('refuses JSON that is not an object', async () => {
    for (const body of [[1, 2], 'text', 3, null]) {
      expect(await only(Name, body)).toEqual({
        type: 'model_attributes_type',
        loc: ['body'],
        msg: 'Input should be a valid dictionary or object to extract fields from',
        input: body,
      });
    }
  });
});

describe('strings', () => {
  it('string_type, with no ctx, reported alone even when other checks fail too', async () => {
    expect(await only(Name, { name: 12 })).toEqual({ type: 'string_type', loc: ['body', 'name'], msg: 'Input should be a valid string', input: 12 });
    expect((await only(Name, { name: null })).type).toBe('string_type');
  });

  it('string_too_short and string_too_long with their lengths in ctx', async () => {
    expect(await only(Name, { name: 'ab' })).toEqual({
      type: 'string_too_short', loc: ['body', 'name'], msg: 'String should have at least 3 characters', input: 'ab', ctx: { min_length: 3 },
    });
    expect(await only(Name, { name: 'abcdef' })).toEqual({
      type: 'string_too_long', loc: ['body', 'name'], msg: 'String should have at most 5 characters', input: 'abcdef', ctx: { max_length: 5 },
    });
  });

  it('uses the singular for one character, and maps @Length both ways', async () => {
    class Code {
      @Length(1, 1) code: string;
    }
    expect(await only(Code, { code: '' })).toMatchObject({ type: 'string_too_short', msg: 'String should have at least 1 character', ctx: { min_length: 1 } });
    expect(await only(Code, { code: 'ab' })).toMatchObject({ type: 'string_too_long', msg: 'String should have at most 1 character', ctx: { max_length: 1 } });
  });

  it('string_pattern_mismatch with the pattern', async () => {
    expect(await only(Name, { name: 'ABC' })).toEqual({
      type: 'string_pattern_mismatch', loc: ['body', 'name'], msg: "String should match pattern '^[a-z]+$'", input: 'ABC', ctx: { pattern: '^[a-z]+$' },
    });
  });
});

class Limit {
  @QueryInt() @IsInt() @Min(1) @Max(200) limit: number;
}

describe('integers', () => {
  it('int_parsing for text that is not an integer', async () => {
    for (const text of ['abc', '1.5', '']) {
      expect(await only(Limit, { limit: text }, 'query')).toEqual({
        type: 'int_parsing', loc: ['query', 'limit'], msg: 'Input should be a valid integer, unable to parse string as an integer', input: text,
      });
    }
  });

  it('int_from_float for a fractional number, int_type for other types', async () => {
    expect(await only(Limit, { limit: 2.5 })).toEqual({
      type: 'int_from_float', loc: ['body', 'limit'], msg: 'Input should be a valid integer, got a number with a fractional part', input: 2.5,
    });
    expect(await only(Limit, { limit: true })).toEqual({ type: 'int_type', loc: ['body', 'limit'], msg: 'Input should be a valid integer', input: true });
  });

  it('less_than_equal echoes the query text as sent, as in the contract example', async () => {
    expect(await only(Limit, { limit: '500' }, 'query')).toEqual({
      type: 'less_than_equal', loc: ['query', 'limit'], msg: 'Input should be less than or equal to 200', input: '500', ctx: { le: 200 },
    });
  });

  it('greater_than_equal', async () => {
    expect(await only(Limit, { limit: 0 })).toEqual({
      type: 'greater_than_equal', loc: ['body', 'limit'], msg: 'Input should be greater than or equal to 1', input: 0, ctx: { ge: 1 },
    });
  });
});

describe('query strings', () => {
  class Filter {
    @QueryInt() @IsInt() limit: number;
    @Optional() @IsArray() @IsString({ each: true }) ids?: string[];
  }

  it('a repeated scalar takes its last value; a list parameter is a list even with one value', async () => {
    expect(await validateDto(Filter, { limit: ['1', '2'], ids: 'a' }, 'query')).toEqual(Object.assign(new Filter(), { limit: 2, ids: ['a'] }));
    expect(await validateDto(Filter, { limit: '3', ids: ['a', 'b'] }, 'query')).toEqual(Object.assign(new Filter(), { limit: 3, ids: ['a', 'b'] }));
  });
});

describe('booleans, objects and lists', () => {
  class Flags {
    @IsBoolean() active: boolean;
  }
  class Shapes {
    @IsObject() preferences: object;
    @IsArray() @ArrayMaxSize(2) tags: string[];
  }

  it('bool_parsing for text or numbers, bool_type otherwise', async () => {
    expect(await only(Flags, { active: 'maybe' })).toEqual({
      type: 'bool_parsing', loc: ['body', 'active'], msg: 'Input should be a valid boolean, unable to interpret input', input: 'maybe',
    });
    expect(await only(Flags, { active: null })).toEqual({ type: 'bool_type', loc: ['body', 'active'], msg: 'Input should be a valid boolean', input: null });
  });

  it('dict_type and list_type', async () => {
    expect(await detail(Shapes, { preferences: [1], tags: 'a' })).toEqual([
      { type: 'dict_type', loc: ['body', 'preferences'], msg: 'Input should be a valid dictionary', input: [1] },
      { type: 'list_type', loc: ['body', 'tags'], msg: 'Input should be a valid list', input: 'a' },
    ]);
  });

  it('too_long for a list over its size', async () => {
    expect(await only(Shapes, { preferences: {}, tags: ['a', 'b', 'c'] })).toEqual({
      type: 'too_long', loc: ['body', 'tags'], msg: 'List should have at most 2 items after validation, not 3', input: ['a', 'b', 'c'],
      ctx: { field_type: 'List', max_length: 2, actual_length: 3 },
    });
  });
});

describe('enum', () => {
  enum Role {
    Owner = 'owner',
    Admin = 'admin',
    Member = 'member',
    Viewer = 'viewer',
  }
  enum Level {
    Low = 1,
    High = 2,
  }
  class Roles {
    @IsEnum(Role) role: Role;
    @Optional() @IsIn(['a', 'b']) pick?: string;
    @Optional() @IsEnum(Level) level?: Level;
  }

  it('lists the allowed values in msg and ctx.expected', async () => {
    expect(await only(Roles, { role: 'boss' })).toEqual({
      type: 'enum', loc: ['body', 'role'], msg: "Input should be 'owner', 'admin', 'member' or 'viewer'", input: 'boss',
      ctx: { expected: "'owner', 'admin', 'member' or 'viewer'" },
    });
    expect(await only(Roles, { role: 'owner', pick: 'c' })).toMatchObject({ msg: "Input should be 'a' or 'b'", ctx: { expected: "'a' or 'b'" } });
  });

  it('prints numbers unquoted and ignores the reverse mapping of a numeric enum', async () => {
    expect(await only(Roles, { role: 'owner', level: 3 })).toMatchObject({ type: 'enum', msg: 'Input should be 1 or 2', ctx: { expected: '1 or 2' } });
  });
});

describe('uuid_parsing', () => {
  class Id {
    @IsUUID() id: string;
  }

  it('carries the uuid crate reason in msg and ctx.error', async () => {
    const reason = 'invalid character: expected an optional prefix of `urn:uuid:` followed by [0-9a-fA-F-], found `n` at 1';
    expect(await only(Id, { id: 'not-a-uuid' }, 'path')).toEqual({
      type: 'uuid_parsing', loc: ['path', 'id'], msg: `Input should be a valid UUID, ${reason}`, input: 'not-a-uuid', ctx: { error: reason },
    });
  });

  it('words each kind of malformation as pydantic does', () => {
    expect(uuidParseError('abc')).toBe('invalid length: expected length 32 for simple format, found 3');
    expect(uuidParseError('')).toBe('invalid length: expected length 32 for simple format, found 0');
    expect(uuidParseError('123e4567-e89b-12d3-a456')).toBe('invalid group count: expected 5, found 4');
    expect(uuidParseError('123e4567-e89b-12d3-a456-42661417400')).toBe('invalid group length in group 4: expected 12, found 11');
    expect(uuidParseError('123e456-e89b-12d3-a456-426614174000')).toBe('invalid group length in group 0: expected 8, found 7');
    expect(uuidParseError('123e4567-e89b-12d3-a4567-26614174000')).toBe('invalid group length in group 3: expected 4, found 5');
    expect(uuidParseError('123e4567-e89b-12d3-a456-42661417400g')).toMatch(/found `g` at 36$/);
    expect(uuidParseError('é23e4567-e89b-12d3-a456-426614174000')).toMatch(/found `é` at 1$/);
    expect(uuidParseError('123e4567-e89b-12d3-a456-426614174000')).toBeUndefined();
    expect(uuidParseError('123e4567e89b12d3a456426614174000')).toBeUndefined();
  });

  it('uuid_type for a value that is not a string', async () => {
    expect(await only(Id, { id: 7 })).toEqual({ type: 'uuid_type', loc: ['body', 'id'], msg: 'UUID input should be a string, bytes or UUID object', input: 7 });
  });
});

describe('value_error', () => {
  class Profile {
    @Optional() @IsEmail() email?: string;
    @Optional() @IsTimeZone() timezone?: string;
    @Optional() @IsLocale() locale?: string;
    @Optional() @MaxJsonBytes(16) settings?: object;
    @Optional() @Contains('x') other?: string;
  }

  it('email, timezone and locale: msg starts with "Value error, " and ctx.error holds the reason', async () => {
    const entries = await detail(Profile, { email: 'nope', timezone: 'Mars/Olympus', locale: 'not a locale' });
    expect(entries).toEqual([
      { type: 'value_error', loc: ['body', 'email'], msg: 'Value error, value is not a valid email address', input: 'nope', ctx: { error: 'value is not a valid email address' } },
      {
        type: 'value_error', loc: ['body', 'timezone'], msg: 'Value error, unknown timezone, expected an IANA time zone such as Europe/Paris', input: 'Mars/Olympus',
        ctx: { error: 'unknown timezone, expected an IANA time zone such as Europe/Paris' },
      },
      {
        type: 'value_error', loc: ['body', 'locale'], msg: 'Value error, invalid locale, expected a BCP 47 language tag such as en-US', input: 'not a locale',
        ctx: { error: 'invalid locale, expected a BCP 47 language tag such as en-US' },
      },
    ]);
  });

  it('a value of the wrong JSON type fails the type check first', async () => {
    expect(await detail(Profile, { email: 5, timezone: false, locale: ['en'] })).toEqual([
      { type: 'string_type', loc: ['body', 'email'], msg: 'Input should be a valid string', input: 5 },
      { type: 'string_type', loc: ['body', 'timezone'], msg: 'Input should be a valid string', input: false },
      { type: 'string_type', loc: ['body', 'locale'], msg: 'Input should be a valid string', input: ['en'] },
    ]);
  });

  it('URLs: url_parsing, url_scheme and url_type', async () => {
    class Link {
      @IsUrl({ protocols: ['http', 'https'], require_protocol: true }) url: string;
    }
    expect(await only(Link, { url: 'not a url' })).toEqual({
      type: 'url_parsing', loc: ['body', 'url'], msg: 'Input should be a valid URL, relative URL without a base', input: 'not a url', ctx: { error: 'relative URL without a base' },
    });
    expect(await only(Link, { url: 'ftp://example.com/x' })).toEqual({
      type: 'url_scheme', loc: ['body', 'url'], msg: "URL scheme should be 'http' or 'https'", input: 'ftp://example.com/x', ctx: { expected_schemes: "'http' or 'https'" },
    });
    expect(await only(Link, { url: 42 })).toEqual({ type: 'url_type', loc: ['body', 'url'], msg: 'URL input should be a string or URL', input: 42 });
  });

  it('accepts real time zones and locales', async () => {
    await expect(validateDto(Profile, { timezone: 'Europe/Paris', locale: 'zh-Hant-TW', email: 'a@example.com' }, 'body')).resolves.toBeTruthy();
  });

  it('an oversized JSON object, and any unmapped constraint, become value_error', async () => {
    expect((await only(Profile, { settings: { key: 'x'.repeat(20) } })).msg).toBe('Value error, object must be at most 16 bytes when serialized as JSON');
    expect(await only(Profile, { other: 'abc' })).toMatchObject({ type: 'value_error', msg: 'Value error, other must contain a x string' });
  });

  it('a bad or foreign cursor is a value_error at query.cursor', () => {
    const codec = new CursorCodec(Buffer.alloc(32, 1));
    const cursor = codec.encode(['2025-01-01', 'id'], 'workspace-a');
    const refused = (value: string, scope: string) => {
      try {
        codec.decode(value, scope);
      } catch (error) {
        return (error as RequestValidationError).detail;
      }
      throw new Error('accepted');
    };
    expect(refused(`${cursor}x`, 'workspace-a')).toEqual([
      { type: 'value_error', loc: ['query', 'cursor'], msg: 'Value error, invalid cursor', input: `${cursor}x`, ctx: { error: 'invalid cursor' } },
    ]);
    expect(refused(cursor, 'workspace-b')[0].msg).toBe('Value error, cursor does not belong to this query');
    expect(codec.decode(cursor, 'workspace-a')).toEqual(['2025-01-01', 'id']);
  });
});

describe('several problems and nesting', () => {
  class Item {
    @IsString() name: string;
  }
  class Order {
    @IsString() title: string;
    @QueryInt() @IsInt() @Max(10) count: number;
    @IsArray() @ValidateNested({ each: true }) @Type(() => Item) items: Item[];
  }

  it('reports every problem, in field order, with array indexes as numbers', async () => {
    const body = { count: 11, items: [{ name: 'ok' }, { name: 5 }, {}] };
    expect(await detail(Order, body)).toEqual([
      { type: 'missing', loc: ['body', 'title'], msg: 'Field required', input: body },
      { type: 'less_than_equal', loc: ['body', 'count'], msg: 'Input should be less than or equal to 10', input: 11, ctx: { le: 10 } },
      { type: 'string_type', loc: ['body', 'items', 1, 'name'], msg: 'Input should be a valid string', input: 5 },
      { type: 'missing', loc: ['body', 'items', 2, 'name'], msg: 'Field required', input: {} },
    ]);
  });

  it('drops unknown fields from a valid body', async () => {
    const order = await validateDto(Order, { title: 't', count: 1, items: [], role: 'admin' }, 'body');
    expect(order).toEqual(Object.assign(new Order(), { title: 't', count: 1, items: [] }));
  });
});

describe('json_invalid offsets and reasons (as CPython json reports them)', () => {
  const cases: [string, string, number][] = [
    ['', 'Expecting value', 0],
    ['[', 'Expecting value', 1],
    ['[42', "Expecting ',' delimiter", 3],
    ['[42,', 'Expecting value', 4],
    ['["', 'Unterminated string starting at', 1],
    ['["spam', 'Unterminated string starting at', 1],
    ['["spam"', "Expecting ',' delimiter", 7],
    ['{', 'Expecting property name enclosed in double quotes', 1],
    ['{"spam"', "Expecting ':' delimiter", 7],
    ['{"spam":', 'Expecting value', 8],
    ['{"spam":42', "Expecting ',' delimiter", 10],
    ['{"spam":42,', 'Expecting property name enclosed in double quotes', 11],
    ['"spam', 'Unterminated string starting at', 0],
    ['[,', 'Expecting value', 1],
    ['{"spam":[}', 'Expecting value', 9],
    ['[42 "spam"', "Expecting ',' delimiter", 4],
    ['[42,]', 'Illegal trailing comma before end of array', 3],
    ['{"spam":[42}', "Expecting ',' delimiter", 11],
    ['{42', 'Expecting property name enclosed in double quotes', 1],
    ['[{]', 'Expecting property name enclosed in double quotes', 2],
    ['{"spam"}', "Expecting ':' delimiter", 7],
    ['{"spam":}', 'Expecting value', 8],
    ['{"spam":42 , }', 'Illegal trailing comma before end of object', 11],
    ['[123  , ]', 'Illegal trailing comma before end of array', 6],
    ['[1, 2, 3]5', 'Extra data', 9],
    ['{"spam":42}x', 'Extra data', 11],
    ['{"a": NaN}', 'Expecting value', 6],
    ['{"a": "x\\qy"}', 'Invalid \\escape', 8],
    ['{"a": "\\u12g4"}', 'Invalid \\uXXXX escape', 8],
    ['{"a": "tab\there"}', 'Invalid control character at', 10],
    ['{"😀": x}', 'Expecting value', 6],
  ];

  it.each(cases)('%j → %s at %i', (text, reason, offset) => {
    expect(locateJsonError(text)).toEqual({ reason, offset });
  });

  it('finds nothing wrong in valid JSON', () => {
    for (const text of ['{}', ' [1, -2.5e3, "a\\"b\\u00e9", true, false, null] ', '"just a string"', '0']) {
      expect(locateJsonError(text)).toBeUndefined();
    }
  });
});
