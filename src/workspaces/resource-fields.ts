import { applyDecorators } from '@nestjs/common';
import { ApiProperty, type ApiPropertyOptions } from '@nestjs/swagger';
import { IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { Nullable, Optional } from '../common/validation/decorators.js';
import { SLUG_PATTERN } from './slug.js';

/**
 * The field rules an organization and a workspace share, written once for their create and update
 * bodies: each takes whether the field is required or optional, and the example (and, for the
 * slug, where it must be unique) that its body documents; validation and OpenAPI stay together.
 */
export type Presence = 'required' | 'optional';

const NAME_MAX = 100;
const DESCRIPTION_MAX = 1000;

function field(presence: Presence, api: ApiPropertyOptions, ...rules: PropertyDecorator[]): PropertyDecorator {
  const gate = presence === 'optional' ? [Optional()] : [];
  return applyDecorators(...gate, ApiProperty({ ...api, required: presence === 'required' } as ApiPropertyOptions), ...rules);
}

export const ResourceFields = {
  name: (p: Presence, example: string) =>
    field(
      p,
      { type: String, description: `Display name, 1–${NAME_MAX} characters.`, example, minLength: 1, maxLength: NAME_MAX },
      IsString(),
      MinLength(1),
      MaxLength(NAME_MAX),
    ),
  /** Always optional: `unique` says where it must be unique; a create body derives one from the name when it is omitted. */
  slug: (unique: 'on the platform' | 'within the organization', example: string, derivedWhenOmitted = false) =>
    field(
      'optional',
      { type: String, description: `\`${SLUG_PATTERN.source}\`, unique ${unique}${derivedWhenOmitted ? '; derived from the name when omitted' : ''}.`, example },
      IsString(),
      Matches(SLUG_PATTERN),
    ),
  /** Absent or `null`, which clears it. */
  description: () =>
    applyDecorators(
      Nullable(),
      IsString(),
      MaxLength(DESCRIPTION_MAX),
      ApiProperty({ type: String, nullable: true, maxLength: DESCRIPTION_MAX, example: 'Build and deploy tooling shared by every team', required: false }),
    ),
};
