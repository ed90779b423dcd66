import type { LoggerService } from '@nestjs/common';
import type pino from 'pino';

type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/**
 * Nest's own logs (start-up, `new Logger(context)` in services, the exception handlers) as pino
 * lines of the root logger: `{context, ...}` with the message as `msg`, an `Error` as `err`. The
 * line shapes are those nestjs-pino wrote, without its module and request-scoped storage, which
 * this service never used and which would pin Node >= 22.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: pino.Logger) {}

  verbose(message: unknown, ...params: unknown[]): void {
    this.call('trace', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.call('debug', message, params);
  }
  log(message: unknown, ...params: unknown[]): void {
    this.call('info', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.call('warn', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.call('error', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.call('fatal', message, params);
  }

  /** Nest passes the context name last; anything between the message and it is formatting input. */
  private call(level: Level, message: unknown, params: unknown[]): void {
    const fields: Record<string, unknown> = params.length > 0 ? { context: params[params.length - 1] } : {};
    const rest = params.slice(0, -1) as [string?, ...unknown[]];
    const log = this.logger[level].bind(this.logger);
    if (message instanceof Error) return log({ ...fields, err: message }, ...rest);
    if (typeof message === 'object' && message !== null) return log({ ...fields, ...message }, ...rest);
    if (isStackOnly(level, message, rest)) {
      // Nest's exception handlers call error(message, stack, context): keep the stack with its error.
      const err = Object.assign(new Error(String(message)), { stack: rest[0] });
      return log({ ...fields, err });
    }
    log(fields, String(message), ...rest);
  }
}

function isStackOnly(level: Level, message: unknown, rest: unknown[]): boolean {
  return level === 'error' && typeof message === 'string' && rest.length === 1 && typeof rest[0] === 'string' && /\n\s*at /.test(rest[0]);
}
