import { randomBytes } from 'node:crypto';

export const SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;
const MAX = 63;
/** Latin letters that Unicode decomposition does not reduce to ASCII. */
const FOLD: Record<string, string> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', đ: 'd', ð: 'd', þ: 'th', ł: 'l', ı: 'i' };

/** A slug derived from a display name: ASCII-folded, lower-case, runs of other characters as `-`. */
export function slugify(name: string, fallback: string): string {
  const base = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[ßæœøđðþłı]/g, (c) => FOLD[c])
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, MAX)
    .replace(/-+$/, '');
  if (base.length >= 2) return base;
  return base ? `${fallback}-${base}` : fallback;
}

/** The same slug with a short random suffix, for when the plain one is taken. */
export function withSuffix(slug: string): string {
  const suffix = randomBytes(3).toString('hex');
  return `${slug.slice(0, MAX - suffix.length - 1).replace(/-+$/, '')}-${suffix}`;
}

/** Candidates to try in order for a derived slug; the random ones make a collision all but impossible. */
export function derivedSlugCandidates(name: string, fallback: string, attempts = 5): string[] {
  const base = slugify(name, fallback);
  return [base, ...Array.from({ length: attempts - 1 }, () => withSuffix(base))];
}
