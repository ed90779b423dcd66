import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** How a path answers: a fixed status, or one status per call (the last repeats). */
export type Answer = number | number[] | ((call: number) => { status: number; headers?: Record<string, string>; delayMs?: number });

/** A real HTTP receiver on 127.0.0.1 that records every request and answers as told per path. */
export class WebhookReceiver {
  readonly received: Received[] = [];
  private readonly answers = new Map<string, Answer>();
  private readonly calls = new Map<string, number>();
  private server?: http.Server;
  url = '';

  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver();
    receiver.server = http.createServer((req, res) => receiver.handle(req, res));
    await new Promise<void>((resolve) => receiver.server!.listen(0, '127.0.0.1', resolve));
    receiver.url = `http://127.0.0.1:${(receiver.server.address() as AddressInfo).port}`;
    return receiver;
  }

  answer(path: string, answer: Answer): string {
    this.answers.set(path, answer);
    return `${this.url}${path}`;
  }

  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  /** Waits until `path` got at least `count` requests (or fails after `ms`). */
  async waitFor(path: string, count: number, ms = 20_000): Promise<Received[]> {
    for (const deadline = Date.now() + ms; Date.now() < deadline; ) {
      if (this.at(path).length >= count) return this.at(path);
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`expected ${count} requests at ${path}, got ${this.at(path).length}`);
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      this.received.push({ path, headers: req.headers as Record<string, string>, body: Buffer.concat(chunks).toString('utf8') });
      const call = this.calls.get(path) ?? 0;
      this.calls.set(path, call + 1);
      const answer = this.answers.get(path) ?? 204;
      const chosen = typeof answer === 'function' ? answer(call) : { status: Array.isArray(answer) ? answer[Math.min(call, answer.length - 1)] : answer };
      const reply = () => {
        if (res.destroyed) return;
        res.writeHead(chosen.status, chosen.headers ?? {});
        res.end();
      };
      if (chosen.delayMs) setTimeout(reply, chosen.delayMs).unref();
      else reply();
    });
  }
}
