import { applyDecorators } from '@nestjs/common';
import { ApiProperty, type ApiPropertyOptions } from '@nestjs/swagger';
import { IsArray, IsBoolean, IsIn, IsObject, IsString, IsUrl, isEmail, isUUID, Matches, MaxLength, MinLength, ValidateBy, type ValidationOptions } from 'class-validator';
import { IsLocale, IsTimeZone, MaxJsonBytes, NoInvisibleCharacters, NotBlank, Nullable, Optional } from '../../common/validation/decorators.js';

/**
 * The field rules of a user, written once and used by both the create and the update
 * body: each entry takes whether the field is required, optional, or optional and nullable
 * (`null` clears it), and carries its validation and its OpenAPI description together.
 */
export type Presence = 'required' | 'optional' | 'nullable';

export const USERNAME_PATTERN = /^[a-zA-Z0-9_.-]+$/;
export const PLATFORM_ROLES = ['admin', 'user'] as const;
export const JSON_OBJECT_MAX_BYTES = 16 * 1024;
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;

/** Present, `null` included (a `null` then fails the type check, as pydantic reports it). */
function IsPresent(): PropertyDecorator {
  return ValidateBy({ name: 'isDefined', validator: { validate: (value: unknown) => value !== undefined, defaultMessage: () => 'required' } });
}

/**
 * Any UUID PostgreSQL accepts (hex 8-4-4-4-12, any version), under class-validator's own
 * constraint name `isUuid`, which the pydantic mapping reports as `uuid_parsing`.
 */
export function IsUuid(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy({ name: 'isUuid', validator: { validate: (value: unknown) => isUUID(value, 'loose'), defaultMessage: () => 'must be a UUID' } }, options);
}

/**
 * An email address once NFKC-normalized, the form it is stored and compared in (a fullwidth
 * `ａlice@example.com` is `alice@example.com`), under class-validator's own constraint name.
 */
function IsEmailAddress(): PropertyDecorator {
  return ValidateBy({
    name: 'isEmail',
    validator: { validate: (value: unknown) => typeof value === 'string' && isEmail(value.normalize('NFKC')), defaultMessage: () => 'must be an email' },
  });
}

function field(presence: Presence, api: ApiPropertyOptions, ...rules: PropertyDecorator[]): PropertyDecorator {
  const gate = presence === 'required' ? IsPresent() : presence === 'optional' ? Optional() : Nullable();
  const doc = { ...api, required: presence === 'required', ...(presence === 'nullable' ? { nullable: true } : {}) } as ApiPropertyOptions;
  return applyDecorators(gate, ApiProperty(doc), ...rules);
}

const jsonObject = (presence: Presence, description: string, example: Record<string, unknown>) =>
  field(
    presence,
    { type: 'object', additionalProperties: true, example, description: `${description} (a JSON object of at most 16 KiB)` },
    IsObject(),
    MaxJsonBytes(JSON_OBJECT_MAX_BYTES),
  );

export const UserFields = {
  email: (p: Presence) =>
    field(
      p,
      { type: String, format: 'email', maxLength: 320, example: 'jane@example.com', description: 'Stored NFKC-normalized and lower-cased; unique' },
      IsString(),
      NoInvisibleCharacters(),
      MaxLength(320),
      IsEmailAddress(),
    ),
  username: (p: Presence) =>
    field(
      p,
      { type: String, minLength: 3, maxLength: 50, pattern: USERNAME_PATTERN.source, example: 'jane.doe', description: 'Unique, case-insensitively' },
      IsString(),
      NoInvisibleCharacters(),
      MinLength(3),
      MaxLength(50),
      Matches(USERNAME_PATTERN),
    ),
  password: (p: Presence) =>
    field(
      p,
      { type: String, format: 'password', minLength: PASSWORD_MIN, maxLength: PASSWORD_MAX, writeOnly: true, example: 'correct-horse-battery' },
      IsString(),
      MinLength(PASSWORD_MIN),
      MaxLength(PASSWORD_MAX),
    ),
  fullName: (p: Presence) =>
    field(
      p,
      { type: String, maxLength: 100, example: 'Jane Doe', description: 'Not blank; no control or invisible characters' },
      IsString(),
      NoInvisibleCharacters(),
      NotBlank(),
      MaxLength(100),
    ),
  avatarUrl: (p: Presence) =>
    field(
      p,
      { type: String, format: 'uri', maxLength: 2048, example: 'https://example.com/jane.png', description: 'An http or https URL' },
      IsString(),
      MaxLength(2048),
      IsUrl({ protocols: ['http', 'https'], require_protocol: true, require_tld: false }),
    ),
  bio: (p: Presence) => field(p, { type: String, maxLength: 1000, example: 'Product designer, mostly on the billing team.' }, IsString(), MaxLength(1000)),
  timezone: (p: Presence) => field(p, { type: String, example: 'Europe/Paris', description: 'An IANA time zone' }, IsString(), IsTimeZone()),
  locale: (p: Presence) => field(p, { type: String, example: 'en-US', description: 'A BCP 47 language tag' }, IsString(), IsLocale()),
  preferences: (p: Presence) => jsonObject(p, 'User preferences', { theme: 'dark', notifications: { email: true } }),
  settings: (p: Presence) => jsonObject(p, 'User settings', { start_page: 'dashboard' }),
  roles: (p: Presence) =>
    field(
      p,
      { type: [String], enum: PLATFORM_ROLES, example: ['user'], description: 'Platform roles (platform admin only): `["admin"]` or `["user"]`' },
      IsArray(),
      IsIn(PLATFORM_ROLES as unknown as string[], { each: true }),
    ),
  flag: (p: Presence, description: string) => field(p, { type: Boolean, description }, IsBoolean()),
  workspaceId: (p: Presence, description: string) => field(p, { type: String, format: 'uuid', description }, IsUuid()),
};

/** `["admin"]` when admin is among the roles, `["user"]` otherwise: the two platform roles. */
export function normalizeRoles(roles: readonly string[]): string[] {
  return roles.includes('admin') ? ['admin'] : ['user'];
}
