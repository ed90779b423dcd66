import http from 'node:http';

/** One request of a load run: what it was, how it ended, when. */
export interface Outcome<T = unknown> {
  op: string;
  status?: number;
  /** A transport failure (connection refused, reset): the outcome on the server is unknown. */
  error?: string;
  body?: any;
  headers?: Headers;
  info?: T;
  started: number;
  ended: number;
}

export type Step<T> = (worker: number, i: number) => Promise<Outcome<T>>;

/**
 * Runs `workers` loops of `step` until `stop()` is called (or `maxRequests` is reached), each
 * loop sending its next request when the previous one answered. Bounded in count and time.
 */
export function startLoad<T>(workers: number, step: Step<T>, maxRequests = 50_000) {
  const outcomes: Outcome<T>[] = [];
  let stopped = false;
  let sent = 0;
  const loops = Array.from({ length: workers }, async (_, worker) => {
    for (let i = 0; !stopped && sent < maxRequests; i++) {
      sent++;
      outcomes.push(await step(worker, i));
    }
  });
  return {
    outcomes,
    inFlight: () => sent - outcomes.length,
    async stop(): Promise<Outcome<T>[]> {
      stopped = true;
      await Promise.all(loops);
      return outcomes;
    },
  };
}

/** fetch that records its outcome instead of throwing. */
export async function call<T>(op: string, url: string, init: RequestInit & { timeoutMs?: number } = {}, info?: T): Promise<Outcome<T>> {
  const started = Date.now();
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(init.timeoutMs ?? 20_000) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: kept as text
    }
    return { op, status: res.status, body, headers: res.headers, info, started, ended: Date.now() };
  } catch (error) {
    return { op, error: String((error as Error)?.cause ?? error), info, started, ended: Date.now() };
  }
}

export const json = (token: string, body?: unknown, method = 'POST'): RequestInit => ({
  method,
  headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  body: body === undefined ? undefined : JSON.stringify(body),
});

/**
 * One request through a node:http Agent: with `keepAlive` the same sockets carry request after
 * request, and a response with `Connection: close` retires its socket (the client reconnects).
 */
export function agentCall(agent: http.Agent, op: string, url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Outcome<{ closed: boolean }>> {
  const started = Date.now();
  return new Promise((resolve) => {
    const req = http.request(url, { agent, method: init.method ?? 'GET', headers: init.headers, timeout: 20_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          // not JSON: kept as text
        }
        const closed = res.headers.connection === 'close';
        resolve({ op, status: res.statusCode, body, info: { closed }, started, ended: Date.now() });
      });
      res.on('error', (error) => resolve({ op, error: (error as NodeJS.ErrnoException).code ?? String(error), started, ended: Date.now() }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error) => resolve({ op, error: (error as NodeJS.ErrnoException).code ?? String(error), started, ended: Date.now() }));
    req.end(init.body);
  });
}
