import { ConflictError, type ResourceType } from '../common/errors/app-error.js';
import { derivedSlugCandidates } from './slug.js';

const LABELS: Partial<Record<ResourceType, string>> = { organization: 'An organization', workspace: 'A workspace' };

export function slugConflict(resourceType: 'organization' | 'workspace'): ConflictError {
  return new ConflictError(`${LABELS[resourceType]} with this slug already exists`, { resource_type: resourceType, field: 'slug' });
}

/**
 * Inserts with the given slug, or with one derived from the name when none was given. `insert` must
 * use `ON CONFLICT DO NOTHING` and return nothing when the slug is taken: an explicit slug is then a
 * 409; a derived one is retried with a random suffix.
 */
export async function insertWithSlug<T>(
  resourceType: 'organization' | 'workspace',
  explicit: string | undefined,
  name: string,
  insert: (slug: string) => Promise<T | undefined>,
): Promise<T> {
  const candidates = explicit ? [explicit] : derivedSlugCandidates(name, resourceType === 'organization' ? 'org' : 'workspace');
  for (const slug of candidates) {
    const row = await insert(slug);
    if (row) return row;
  }
  throw slugConflict(resourceType);
}
