import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A real SMTP server on 127.0.0.1 that keeps what it receives, for mail tests. */
export class TestSmtp {
  readonly mails: ParsedMail[] = [];
  private server?: SMTPServer;
  port = 0;

  async start(port = 0): Promise<this> {
    this.server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, _session, callback) => {
        simpleParser(stream)
          .then((mail) => {
            this.mails.push(mail);
            callback();
          })
          .catch(callback);
      },
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }

  /** Waits for the `n`th mail to `to` (1-based) and returns it. */
  async waitFor(to: string, n = 1, ms = 10_000): Promise<ParsedMail> {
    const end = Date.now() + ms;
    for (;;) {
      const found = this.mails.filter((m) => m.to && JSON.stringify(m.to).toLowerCase().includes(to.toLowerCase()));
      if (found.length >= n) return found[n - 1];
      if (Date.now() > end) throw new Error(`no mail #${n} to ${to} within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}
