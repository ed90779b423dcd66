import { randomUUID } from 'node:crypto';
import http, { STATUS_CODES, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type pino from 'pino';
import type { ErrorDetails } from '../errors/app-error.js';
import { errorBody } from '../errors/error-body.js';
import { DEFAULT_MESSAGES, ErrorCode, httpStatusOf } from '../errors/error-codes.js';

/** Node's parser limit on chunk extensions (not configurable). */
const CHUNK_EXTENSIONS_LIMIT = 16 * 1024;

interface ParserError extends Error {
  code?: string;
}

type ServerSocket = Socket & { _httpMessage?: { headersSent?: boolean } };
/** `http.createServer`'s `maxHeaderSize` option, kept on the server (Node's typings leave it out). */
type SizedServer = Server & { maxHeaderSize?: number };

/**
 * Requests Node refuses before the application sees them (a malformed request line or header,
 * headers over the size limit, a client too slow to send them) get the same error body and
 * `X-Request-ID` as every other error, instead of Node's bare status line. The request's own id
 * cannot be trusted from headers that did not parse, so a new one is made (and logged).
 */
export function answerClientErrors(server: Server, logger?: pino.Logger): void {
  server.on('clientError', (error: ParserError, socket: ServerSocket) => {
    // Nothing to answer on a connection that is gone, or whose response has already begun.
    if (error.code === 'ECONNRESET' || !socket.writable || socket._httpMessage?.headersSent) {
      socket.destroy();
      return;
    }
    const [code, details] = classify(error, server);
    const status = httpStatusOf(code);
    const id = randomUUID();
    logger?.info({ req: { id }, res: { statusCode: status }, error: { code: error.code, message: error.message } }, 'request refused by the HTTP parser');
    const body = JSON.stringify(errorBody(code, status, messageOf(code, details), details));
    const head = [
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
      'Content-Type: application/json; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(body)}`,
      `X-Request-ID: ${id}`,
      'X-Content-Type-Options: nosniff',
      'Connection: close',
    ];
    socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
  });
}

function classify(error: ParserError, server: Server): [ErrorCode, ErrorDetails] {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return [ErrorCode.HeaderFieldsTooLarge, { limit_bytes: (server as SizedServer).maxHeaderSize ?? http.maxHeaderSize }];
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return [ErrorCode.PayloadTooLarge, { limit_bytes: CHUNK_EXTENSIONS_LIMIT }];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [ErrorCode.RequestTimeout, {}];
    default:
      return [ErrorCode.BadRequest, {}];
  }
}

function messageOf(code: ErrorCode, details: ErrorDetails): string {
  if (code === ErrorCode.HeaderFieldsTooLarge) return `Request headers exceed ${String(details.limit_bytes)} bytes`;
  if (code === ErrorCode.BadRequest) return 'Malformed HTTP request';
  return DEFAULT_MESSAGES[code];
}
