import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { JobsService } from '../../jobs/jobs.service.js';
import { EventReadsRepository } from './event-reads.repository.js';

export const EVENT_FEED_OPTIONS = Symbol('EVENT_FEED_OPTIONS');

export interface EventFeedOptions {
  /** Events older than this many days are deleted in the background. */
  retentionDays: number;
  /** How often the purge runs (on one instance). */
  purgeEveryMs?: number;
}

const BATCH = 5_000;
const MAX_BATCHES_PER_RUN = 200;

/** Deletes events past their retention, a batch at a time so no statement holds many locks for long. */
@Injectable()
export class EventRetention implements OnModuleInit {
  private readonly logger = new Logger('EventRetention');

  constructor(
    private readonly reads: EventReadsRepository,
    private readonly jobs: JobsService,
    @Inject(EVENT_FEED_OPTIONS) private readonly options: EventFeedOptions,
  ) {}

  onModuleInit(): void {
    this.jobs.every('events.retention', this.options.purgeEveryMs ?? 3_600_000, () => this.purge());
  }

  /** Runs until nothing old is left (or a run's budget is spent); how many events it deleted. */
  async purge(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.options.retentionDays * 86_400_000);
    let total = 0;
    for (let batch = 0; batch < MAX_BATCHES_PER_RUN; batch++) {
      const deleted = await this.reads.purgeBefore(cutoff, BATCH);
      total += deleted;
      if (deleted === 0) break;
    }
    if (total > 0) this.logger.log(`deleted ${total} events older than ${this.options.retentionDays} days`);
    return total;
  }
}
