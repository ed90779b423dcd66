import type { MailMessage } from '../mail/mail.service.js';

export interface InvitationMailFacts {
  to: string;
  /** The organization, and the workspace for a workspace invitation. */
  orgName: string;
  workspaceName: string | null;
  role: string;
  inviterName: string;
  expiresAt: Date;
  acceptUrl: string;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The invitation mail, as plain text and HTML; names come from users and are escaped in the HTML. */
export function invitationMail(f: InvitationMailFacts): MailMessage {
  const place = f.workspaceName ? `the workspace "${f.workspaceName}" of ${f.orgName}` : `the organization ${f.orgName}`;
  const expires = f.expiresAt.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  const text = [
    `${f.inviterName} invited you to join ${place} as ${f.role}.`,
    '',
    `Accept the invitation: ${f.acceptUrl}`,
    '',
    `The invitation expires on ${expires}. If you did not expect it, ignore this mail.`,
  ].join('\n');
  const link = escapeHtml(f.acceptUrl);
  const html =
    `<p>${escapeHtml(f.inviterName)} invited you to join ${escapeHtml(place)} as <b>${escapeHtml(f.role)}</b>.</p>` +
    `<p><a href="${link}">Accept the invitation</a></p>` +
    `<p>The invitation expires on ${expires}. If you did not expect it, ignore this mail.</p>`;
  return { to: f.to, subject: `Invitation to join ${f.workspaceName ?? f.orgName}`, text, html };
}
