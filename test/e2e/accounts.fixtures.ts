// Shared by the accounts-* e2e files: reading the link out of a mail, and waiting for the queue.
import type { ParsedMail } from 'mailparser';
import { expect } from 'vitest';
import type { DataSource } from 'typeorm';
import { expectErrorShape } from '../support/app.js';

/** The token of the one link in a mail, checked to be the same in its text and HTML parts. */
export function tokenOf(mail: ParsedMail): string {
  const text = /token=([A-Za-z0-9_-]+)/.exec(mail.text ?? '')?.[1];
  const html = /token=([A-Za-z0-9_-]+)/.exec(String(mail.html))?.[1];
  expect(text, `no link in ${mail.text}`).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(html).toBe(text);
  return text!;
}

/** Resolves once no job of `queue` is pending (the background work a request queued is done). */
export async function drained(db: DataSource, queue?: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM jobs WHERE state = 'pending' AND ($1::text IS NULL OR queue = $1)`, [queue ?? null]);
    if (n === 0) return;
    if (Date.now() > end) throw new Error(`jobs still pending after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function expectTokenNotFound(res: { status: number; body: any }, purpose: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(404);
  expectErrorShape(res.body, 404, 'RESOURCE_NOT_FOUND');
  expect(res.body.message).toBe('The requested resource was not found');
  expect(res.body.details).toEqual({ resource_type: 'token', resource_id: purpose });
}

export function expectTokenGone(res: { status: number; body: any }, purpose: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(410);
  expectErrorShape(res.body, 410, 'RESOURCE_GONE');
  expect(res.body.message).toBe('The link has expired');
  expect(res.body.details).toEqual({ resource_type: 'token', resource_id: purpose, reason: 'expired' });
}

/** The events of a user of one type, oldest first. */
export async function eventsOf(db: DataSource, userId: string, type: string): Promise<{ actor_type: string; actor_id: string | null; data: any }[]> {
  return db.query(`SELECT actor_type, actor_id, data FROM events WHERE target_id = $1 AND type = $2 ORDER BY sequence`, [userId, type]);
}
