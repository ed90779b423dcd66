/** A UUID as PostgreSQL prints it, hex 8-4-4-4-12 of any version and either case, as regex source. */
export const HYPHENATED_UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';

/** The whole of a value is a hyphenated UUID (what a `::uuid` cast and the `@IsUUID('loose')` rule accept alike). */
export const UUID_PATTERN = new RegExp(`^${HYPHENATED_UUID}$`);
