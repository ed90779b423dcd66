import { Logger } from '@nestjs/common';
import type { DataSource, EntityManager } from 'typeorm';
import type { RequestContext } from '../common/request-context.js';
import { ServiceUnavailableError } from '../common/errors/app-error.js';
import { isTransientConflict } from '../common/errors/database-errors.js';
import { foreignKeyError } from './foreign-keys.js';

export const TRANSACTION_ATTEMPTS = 3;

const logger = new Logger('Transaction');

/**
 * Runs `work` in one transaction, the way every write of the service runs. A deadlock or
 * serialization failure replays it from the start (up to three attempts, after a random pause that
 * grows with each, so the two sides do not collide again in step); when the last attempt fails
 * too, 503 with `Retry-After`. A foreign key violated because the row it names was deleted
 * meanwhile becomes the 401 or 404 the request would have got a moment later.
 *
 * When the request already runs in a transaction (`ctx.manager`, opened for an `Idempotency-Key`),
 * the work joins it: the effect then commits with the stored outcome, and whoever opened that
 * transaction replays it on a deadlock.
 */
export async function transaction<T>(dataSource: DataSource, work: (em: EntityManager) => Promise<T>, ctx?: RequestContext): Promise<T> {
  if (ctx?.manager) return joined(ctx.manager, work);
  for (let attempt = 1; ; attempt++) {
    try {
      return await dataSource.transaction(work);
    } catch (error) {
      if (!isTransientConflict(error)) throw foreignKeyError(error) ?? error;
      if (attempt >= TRANSACTION_ATTEMPTS) {
        // The client only sees a 503; a conflict that outlasts every attempt is worth finding.
        logger.warn({ err: error }, `transaction failed ${TRANSACTION_ATTEMPTS} times on a deadlock or serialization failure`);
        throw new ServiceUnavailableError('The database is busy; try again', 1);
      }
      await new Promise((resolve) => setTimeout(resolve, (5 + Math.random() * 20) * attempt));
    }
  }
}

async function joined<T>(manager: EntityManager, work: (em: EntityManager) => Promise<T>): Promise<T> {
  try {
    return await work(manager);
  } catch (error) {
    throw foreignKeyError(error) ?? error;
  }
}
