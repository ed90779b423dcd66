import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApp, seedUser, type SeedUser, type TestApp } from '../support/app.js';

/** The directives of a Content-Security-Policy header, by name. */
function directives(header: string | undefined): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const part of (header ?? '').split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) map.set(name.toLowerCase(), values);
  }
  return map;
}

describe('security headers', () => {
  let t: TestApp;
  let user: SeedUser;

  beforeAll(async () => {
    t = await createTestApp({ BODY_LIMIT: '1kb' });
    user = await seedUser(t.db);
  });
  afterAll(() => t.close());

  it('are on every response: docs, the document, JSON successes and errors of every kind', async () => {
    const responses = {
      docs: await t.http.get('/docs/').expect(200),
      docsScript: await t.http.get('/docs/swagger-ui-init.js').expect(200),
      document: await t.http.get('/openapi.json').expect(200),
      me: await t.http.get('/v1/users/me').set(bearer(user.token)).expect(200),
      live: await t.http.get('/health/live').expect(200),
      unauthenticated: await t.http.get('/v1/users/me').expect(401),
      unknownRoute: await t.http.get('/no/such/route').expect(404),
      invalid: await t.http.get('/v1/users?workspace_id=nope').set(bearer(user.token)).expect(422),
      tooLarge: await t.http.post('/v1/orgs').set(bearer(user.token)).send({ name: 'x'.repeat(2048) }).expect(413),
    };
    for (const [name, res] of Object.entries(responses)) {
      expect(res.headers['x-content-type-options'], name).toBe('nosniff');
      expect(res.headers['x-frame-options'], name).toBe('DENY');
      const csp = directives(res.headers['content-security-policy']);
      expect(csp.get('frame-ancestors'), name).toEqual(["'none'"]);
      expect(csp.get('default-src'), name).toEqual(["'self'"]);
      expect(res.headers['x-powered-by'], name).toBeUndefined();
    }
  });

  it('allow scripts only from this origin, and the docs page has no inline script that would need more', async () => {
    const res = await t.http.get('/docs/').expect(200);
    const csp = directives(res.headers['content-security-policy']);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('script-src-attr')).toEqual(["'none'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.has('upgrade-insecure-requests')).toBe(false);
    const inlineScripts = [...res.text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)].filter(([, attributes, body]) => !/\bsrc=/.test(attributes) || body.trim() !== '');
    expect(inlineScripts.map(([tag]) => tag)).toEqual([]);
  });
});
