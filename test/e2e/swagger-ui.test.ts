import { existsSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
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

  it('logs in through the OAuth2 password dialog and runs GET /v1/users/me', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
    const tokenRequests: number[] = [];
    page.on('response', (res) => {
      if (res.url().endsWith('/v1/auth/token')) tokenRequests.push(res.status());
    });
    await page.goto(`${baseUrl}/docs`);

    await page.locator('button.btn.authorize').first().click();
    const oauth = page.locator('.auth-container').filter({ hasText: 'OAuth2, password' });
    await oauth.locator('#oauth_username').fill(admin.username);
    await oauth.locator('#oauth_password').fill(admin.password);
    await oauth.locator('button.btn.modal-btn.auth.authorize').click();
    await expect.poll(() => tokenRequests).toEqual([200]);
    await oauth.locator('button', { hasText: 'Logout' }).waitFor();
    await page.locator('.modal-ux button.btn-done, .modal-ux button.close-modal').first().click();

    const operation = page.locator('.opblock.opblock-get').filter({ has: page.locator('.opblock-summary-path[data-path="/v1/users/me"]') });
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
  });
});
