import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailService } from '../../dist/mail/mail.service.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { TestSmtp } from '../support/smtp.js';

describe('outgoing mail', () => {
  const smtp = new TestSmtp();
  let t: TestApp;
  beforeAll(async () => {
    await smtp.start();
    t = await createTestApp({ JOBS_ENABLED: 'true',  SMTP_URL: smtp.url, JOBS_POLL_MS: '50', MAIL_RETRY_DELAYS_MS: Array(40).fill('100').join(',') });
  });
  afterAll(async () => {
    await t?.close();
    await smtp.stop();
  });

  const message = (to: string) => ({ to, subject: 'Hello', text: 'plain part', html: '<p>html part</p>' });

  it('sends a committed message with its text and HTML parts, and nothing for a rolled-back one', async () => {
    const mail = t.app.get(MailService);
    await t.db
      .transaction(async (m) => {
        await mail.send(m, message('rolled@example.com'));
        throw new Error('rollback');
      })
      .catch(() => undefined);
    await t.db.transaction((m) => mail.send(m, message('a@example.com')));
    mail.flush();
    const got = await smtp.waitFor('a@example.com');
    expect(got.subject).toBe('Hello');
    expect(got.text?.trim()).toBe('plain part');
    expect(got.html).toContain('<p>html part</p>');
    expect(smtp.mails.some((m) => JSON.stringify(m.to).includes('rolled@'))).toBe(false);
  });

  it('keeps a message while the mail server is down and sends it once it is back', async () => {
    const port = smtp.port;
    await smtp.stop();
    const mail = t.app.get(MailService);
    await t.db.transaction((m) => mail.send(m, message('later@example.com')));
    mail.flush();
    await new Promise((r) => setTimeout(r, 400));
    await smtp.start(port);
    const got = await smtp.waitFor('later@example.com', 1, 15_000);
    expect(got.subject).toBe('Hello');
    // Sent means done: the job is gone once the server has taken the message.
    await expect.poll(async () => (await t.db.query(`SELECT count(*)::int AS n FROM jobs WHERE queue = 'mail'`))[0].n).toBe(0);
  });
});
