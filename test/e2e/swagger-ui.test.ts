import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, seedUser, type SeedUser, type TestApp } from '../support/app.js';

/** Debian's package (`apt-get install -y chromium`); never a downloaded browser. */
const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = path.resolve('test/artifacts/swagger-ui-users-me.png');

describe('the Swagger UI in a real browser', () => {
  let t: TestApp;
  let browser: Browser;
  let admin: SeedUser;
  let baseUrl: string;

  beforeAll(async () => {
    // Fail, never skip: CI installs Chromium (.ci/run), so its absence is a broken setup.
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
    t = await createTestApp();
    admin = await seedUser(t.db, { roles: ['admin'], full_name: 'Swagger Admin' });
    await t.app.listen(0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('logs in through the OAuth2 password dialog, runs GET /v1/users/me and creates an organization from the example, without a CSP violation', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
    const problems = await watchForProblems(page);
    const tokenRequests: number[] = [];
    page.on('response', (res) => {
      if (res.url().endsWith('/v1/auth/token')) tokenRequests.push(res.status());
    });
    await page.goto(`${baseUrl}/docs`);

    await page.locator('button.btn.authorize').first().click();
    const oauth = page.locator('.auth-container').filter({ hasText: 'OAuth2, password' });
    await oauth.locator('#oauth_username').waitFor();
    // Only a username and a password: no client credentials, where to send them, or scopes.
    for (const selector of ['[id^="client_id"]', '[id^="client_secret"]', '#password_type', '.scopes']) {
      expect(await oauth.locator(selector).filter({ visible: true }).count(), selector).toBe(0);
    }
    expect(await oauth.innerText()).not.toMatch(/client_secret|client_id|Client credentials|Scopes/i);
    await oauth.locator('#oauth_username').fill(admin.username);
    await oauth.locator('#oauth_password').fill(admin.password);
    await oauth.locator('button.btn.modal-btn.auth.authorize').click();
    await expect.poll(() => tokenRequests).toEqual([200]);
    await oauth.locator('button', { hasText: 'Logout' }).waitFor();
    await page.locator('.modal-ux button.btn-done, .modal-ux button.close-modal').first().click();

    const operation = openOperation(page, 'get', '/v1/users/me');
    await operation.locator('.opblock-summary').first().click();
    await operation.locator('button.try-out__btn').click();
    await operation.locator('button.execute').click();
    const response = operation.locator('.live-responses-table .response').first();
    await expect.poll(() => response.locator('.response-col_status').first().textContent()).toContain('200');
    const body = await response.locator('.response-col_description pre').first().textContent();
    const me = JSON.parse(body ?? '');
    expect(me).toMatchObject({ user_id: admin.user_id, username: admin.username, roles: ['admin'] });

    mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await operation.screenshot({ path: SCREENSHOT });
    console.log(`Swagger UI screenshot: ${SCREENSHOT}`);

    const create = openOperation(page, 'post', '/v1/orgs');
    await create.locator('.opblock-summary').first().click();
    await create.locator('button.try-out__btn').click();
    const requestBody = JSON.parse(await create.locator('textarea.body-param__text').inputValue());
    expect(requestBody).toEqual({ name: 'Acme Corporation', slug: 'acme' });
    await create.locator('button.execute').click();
    const created = create.locator('.live-responses-table .response').first();
    await expect.poll(() => created.locator('.response-col_status').first().textContent()).toContain('201');
    expect(JSON.parse((await created.locator('.response-col_description pre').first().textContent()) ?? '')).toMatchObject({ name: 'Acme Corporation', slug: 'acme' });

    expect(await problems()).toEqual([]);
  });
});

function openOperation(page: Page, method: string, route: string) {
  return page.locator(`.opblock.opblock-${method}`).filter({ has: page.locator(`.opblock-summary-path[data-path="${route}"]`) });
}

/**
 * Content-Security-Policy violations (as the page's `securitypolicyviolation` events and as the
 * console errors Chromium logs for them) and uncaught page errors, collected from the first load.
 */
async function watchForProblems(page: Page): Promise<() => Promise<string[]>> {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  await page.addInitScript(() => {
    const seen: string[] = ((window as unknown as { cspViolations: string[] }).cspViolations = []);
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const violations = () => page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations.map((v) => `violation: ${v}`));
  return async () => [...problems, ...(await violations())];
}
