import { HYPHENATED_UUID } from './uuid.js';

const GROUP_STARTS = [0, 9, 14, 19, 24];
const GROUP_LENGTHS = [8, 4, 4, 4, 12];
const URN = 'urn:uuid:';
const PARSES = new RegExp(`^(?:[0-9a-fA-F]{32}|${HYPHENATED_UUID}|\\{${HYPHENATED_UUID}\\}|${URN}${HYPHENATED_UUID})$`);

/**
 * Why the Rust `uuid` crate (which pydantic uses) refuses `input`, in its words; undefined when it
 * accepts it. A port of the crate's `InvalidUuid::into_err`, so `uuid_parsing` messages match
 * FastAPI's exactly. Indexes are 1-based byte positions, as the crate reports them.
 */
export function uuidParseError(input: string): string | undefined {
  if (PARSES.test(input)) return undefined;
  const wrapped = input.length >= 2 && input.startsWith('{') && input.endsWith('}');
  const prefix = wrapped ? 1 : input.startsWith(URN) ? URN.length : 0;
  const body = wrapped ? input.slice(1, -1) : input.slice(prefix);
  const bounds: number[] = [];
  let hyphens = 0;
  let index = 0;
  for (const char of body) {
    if (char === '-') {
      if (hyphens < 4) bounds[hyphens] = index;
      hyphens++;
    } else if (!/^[0-9a-fA-F]$/.test(char)) {
      return `invalid character: expected an optional prefix of \`urn:uuid:\` followed by [0-9a-fA-F-], found \`${char}\` at ${index + prefix + 1}`;
    }
    index += Buffer.byteLength(char);
  }
  if (hyphens === 0 && prefix === 0) return `invalid length: expected length 32 for simple format, found ${Buffer.byteLength(input)}`;
  if (hyphens !== 4) return `invalid group count: expected 5, found ${hyphens + 1}`;
  for (let group = 0; group < 4; group++) {
    if (bounds[group] !== GROUP_STARTS[group + 1] - 1) return groupLength(group, bounds[group] - GROUP_STARTS[group]);
  }
  return groupLength(4, Buffer.byteLength(input) - GROUP_STARTS[4]);
}

function groupLength(group: number, found: number): string {
  return `invalid group length in group ${group}: expected ${GROUP_LENGTHS[group]}, found ${found}`;
}
