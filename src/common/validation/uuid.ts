import { Transform } from 'class-transformer';

/** A UUID as PostgreSQL prints it, hex 8-4-4-4-12 of any version and either case, as regex source. */
export const HYPHENATED_UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';

/** The whole of a value is a hyphenated UUID (what a `::uuid` cast and the `@IsUUID('loose')` rule accept alike). */
export const UUID_PATTERN = new RegExp(`^${HYPHENATED_UUID}$`);

/**
 * A valid UUID turned to the lower case PostgreSQL prints, so that it compares equal to the ids the
 * service reads back. Any other value stays as sent, for the UUID rule to refuse in its own words.
 */
export function LowerCaseUuid(): PropertyDecorator {
  return Transform(({ value }) => (typeof value === 'string' && UUID_PATTERN.test(value) ? value.toLowerCase() : value));
}
