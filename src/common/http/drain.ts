import { Server as NetServer, type Socket } from 'node:net';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** How long a connection must have stayed idle during the drain before it is closed. */
const IDLE_GRACE_MS = 1_000;
const TICK_MS = 100;

interface Tracked {
  /** The response being written on this connection, if any. */
  res?: ServerResponse;
  idleSince: number;
}

/**
 * Shuts an HTTP server down without cutting a request off. Node's `server.close()` destroys idle
 * keep-alive connections at once, and a client may be sending its next request on one of them at
 * that very moment: it gets ECONNRESET and cannot know whether the request was served. Instead,
 * once the drain begins every response (in flight or arriving on an open connection) says
 * `Connection: close`, so the client finishes its exchange and reconnects elsewhere; a connection
 * is only closed by the server once it has stayed idle for a while since the drain began.
 */
export class HttpDrain {
  private readonly connections = new Map<Socket, Tracked>();
  private drainingSince?: number;

  /** Call before the server listens: it must see every connection and every request. */
  constructor(private readonly server: Server) {
    server.on('connection', (socket: Socket) => {
      this.connections.set(socket, { idleSince: Date.now() });
      socket.once('close', () => this.connections.delete(socket));
    });
    // First in line, before the application's handler decides anything about the response.
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => this.track(req.socket, res));
  }

  /**
   * Stops accepting connections and resolves once every connection has closed; whatever is still
   * open after `timeoutMs` is cut.
   */
  drain(timeoutMs: number): Promise<void> {
    if (!this.server.listening || this.drainingSince !== undefined) return Promise.resolve();
    this.drainingSince = Date.now();
    for (const { res } of this.connections.values()) if (res && !res.writableFinished) closeAfter(res);
    const grace = Math.min(IDLE_GRACE_MS, timeoutMs / 2);
    return new Promise((resolve) => {
      const idle = setInterval(() => this.closeIdle(grace), TICK_MS);
      const deadline = setTimeout(() => this.server.closeAllConnections(), timeoutMs);
      // net.Server's close, not http.Server's: the latter also destroys idle connections at once.
      NetServer.prototype.close.call(this.server, () => {
        clearInterval(idle);
        clearTimeout(deadline);
        resolve();
      });
    });
  }

  /** No listener on the response: the drain's ticks look at it instead (see `closeIdle`). */
  private track(socket: Socket, res: ServerResponse): void {
    if (this.drainingSince !== undefined) closeAfter(res);
    const tracked = this.connections.get(socket);
    if (tracked) tracked.res = res;
  }

  /**
   * Connections with nothing in flight that stayed idle for `grace` since the drain began. A
   * response found finished counts as idle from this tick, at most one tick late, which only
   * makes the wait longer.
   */
  private closeIdle(grace: number): void {
    const now = Date.now();
    for (const [socket, tracked] of this.connections) {
      if (tracked.res && (tracked.res.writableFinished || tracked.res.destroyed)) {
        tracked.res = undefined;
        tracked.idleSince = now;
      }
      if (!tracked.res && Math.max(tracked.idleSince, this.drainingSince!) <= now - grace) socket.destroy();
    }
  }
}

/** The client learns with this response that the connection ends after it (Node then closes it). */
function closeAfter(res: ServerResponse): void {
  if (!res.headersSent) res.setHeader('Connection', 'close');
}
