import { matchesOf, username } from './seed.mjs';

/**
 * The measured routes for one workspace size. `baseline: true` marks the three the hand-written
 * server also answers, so the table can show the service as a ratio to it.
 */
export function scenarios(fx, size, deepCursor) {
  const ws = fx.workspace_id;
  const list = `/v1/users?workspace_id=${ws}&limit=50`;
  // One user matches (`richmond.marvin.420000`: its number ends the name); `son` (Jackson, Allison,
  // Madison…) matches about one user in twenty-three.
  const selective = username(Math.floor(size * 0.42));
  const broad = 'son';
  return [
    { name: 'users/me', path: '/v1/users/me', baseline: true },
    // The framework's floor: a public route that touches no database, through the same HTTP stack.
    { name: 'liveness', path: '/health/live', baseline: true, expect: (b) => b.status === 'ok' },
    { name: 'users list p1', path: list, baseline: true, expect: (b) => b.users?.length === Math.min(50, size) },
    { name: 'users list deep', path: `${list}&cursor=${encodeURIComponent(deepCursor ?? '')}`, skip: !deepCursor },
    { name: 'search selective', path: `${list}&search=${selective}`, expect: (b) => b.users?.length === 1 },
    { name: 'search unselective', path: `${list}&search=${broad}`, expect: (b) => b.users?.length === Math.min(50, matchesOf(broad, size)) },
    { name: 'members p1', path: `/v1/orgs/${fx.org_id}/workspaces/${ws}/members?limit=50`, expect: (b) => b.members?.length === Math.min(50, size) },
  ];
}

export const loginRequest = (fx) => ({
  method: 'POST',
  path: '/v1/auth/login',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ login: fx.email, password: fx.password }),
});
