import { describe, expect, it } from 'vitest';
import { invitationMail } from '../../dist/invitations/invitation-mail.js';
import { acceptUrlFor } from '../../dist/invitations/invitation-token.js';

describe('invitation mail', () => {
  const facts = {
    to: 'jane@example.com',
    orgName: 'Acme <Corp>',
    workspaceName: null,
    role: 'admin',
    inviterName: 'Bob "B" & Co',
    expiresAt: new Date('2030-01-02T03:04:05.000Z'),
    acceptUrl: 'https://app.example.com/join?token=abc&x=1',
  };

  it('says who invites, to what, as which role, until when, with the link, in text and HTML', () => {
    const mail = invitationMail(facts);
    expect(mail.to).toBe('jane@example.com');
    expect(mail.subject).toBe('Invitation to join Acme <Corp>');
    expect(mail.text).toBe(
      'Bob "B" & Co invited you to join the organization Acme <Corp> as admin.\n\n' +
        'Accept the invitation: https://app.example.com/join?token=abc&x=1\n\n' +
        'The invitation expires on 2030-01-02 03:04 UTC. If you did not expect it, ignore this mail.',
    );
    expect(mail.html).toContain('Bob &quot;B&quot; &amp; Co invited you to join the organization Acme &lt;Corp&gt; as <b>admin</b>.');
    expect(mail.html).toContain('<a href="https://app.example.com/join?token=abc&amp;x=1">');
    expect(mail.html).not.toContain('<Corp>');
  });

  it('names the workspace and its organization for a workspace invitation', () => {
    const mail = invitationMail({ ...facts, workspaceName: 'Design' });
    expect(mail.subject).toBe('Invitation to join Design');
    expect(mail.text).toContain('the workspace "Design" of Acme <Corp>');
  });

  it('fills every {token} of the accept URL', () => {
    expect(acceptUrlFor('https://x.test/a/{token}?t={token}', 'T0k')).toBe('https://x.test/a/T0k?t=T0k');
  });
});
