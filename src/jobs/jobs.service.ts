import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { isDatabaseUnavailable } from '../common/errors/database-errors.js';
import { JobsRepository, type ClaimedJob } from './jobs.repository.js';

export const JOBS_OPTIONS = Symbol('JOBS_OPTIONS');

export interface JobsOptions {
  /** Whether this instance runs jobs (every instance may; each job runs on one). */
  enabled: boolean;
  /** How often an idle instance looks for due jobs. */
  pollMs: number;
}

export interface Job<P> {
  jobId: string;
  payload: P;
  /** 1 on the first run. */
  attempt: number;
}

export interface QueueOptions {
  /** Jobs of this queue running at once on one instance. */
  concurrency?: number;
  /** Pause before each retry; when they are used up the job is kept as failed. */
  retryDelaysMs?: number[];
  /** After this long without an outcome the job is due again (its instance is presumed dead). */
  leaseMs?: number;
}

/** Thrown by a handler to give a job up at once, with no retry left. */
export class PermanentJobFailure extends Error {}

/** Thrown by a handler that cannot run the job just now (a limit of its own): it runs again later, the attempt uncounted. */
export class DeferJob extends Error {
  constructor(readonly delayMs: number) {
    super('deferred');
  }
}

interface Queue {
  handler: (job: Job<any>) => Promise<void>;
  concurrency: number;
  retryDelaysMs: number[];
  leaseMs: number;
  running: number;
}

const DEFAULT_RETRIES = [1_000, 10_000, 60_000, 300_000];

/**
 * The background queue shared by deliveries, mail, sweeps and purges. Jobs are rows written in the
 * transaction of the change that needs them, so a job exists if and only if its change committed;
 * every instance polls, and `FOR UPDATE SKIP LOCKED` hands each job to one of them.
 */
@Injectable()
export class JobsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Jobs');
  private readonly queues = new Map<string, Queue>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private polling = false;
  private pollAgain = false;
  private stopped = false;

  constructor(
    private readonly jobs: JobsRepository,
    @Inject(JOBS_OPTIONS) private readonly options: JobsOptions,
  ) {}

  /** Adds a job in the caller's transaction; it runs after that commits, `delayMs` later at the earliest. */
  async enqueue(m: EntityManager, queue: string, payload: unknown, delayMs = 0): Promise<void> {
    await this.jobs.insert(m, queue, payload, delayMs);
  }

  /** Whether this instance runs jobs (and so the background work that feeds them). */
  get enabled(): boolean {
    return this.options.enabled;
  }

  /** Adds several jobs of one queue in one statement, in the caller's transaction. */
  async enqueueMany(m: EntityManager, queue: string, payloads: unknown[]): Promise<void> {
    if (payloads.length > 0) await this.jobs.insertMany(m, queue, payloads);
  }

  /** Asks this instance to look for due jobs now rather than at its next poll (after a commit). */
  nudge(): void {
    if (this.options.enabled && !this.stopped) setImmediate(() => void this.poll());
  }

  register<P>(queue: string, handler: (job: Job<P>) => Promise<void>, options: QueueOptions = {}): void {
    this.queues.set(queue, {
      handler,
      concurrency: options.concurrency ?? 4,
      retryDelaysMs: options.retryDelaysMs ?? DEFAULT_RETRIES,
      leaseMs: options.leaseMs ?? 60_000,
      running: 0,
    });
  }

  /** Runs `task` every `intervalMs` on one instance of all that share the database. */
  every(name: string, intervalMs: number, task: () => Promise<unknown>): void {
    if (!this.options.enabled) return;
    const check = setInterval(() => void this.runScheduled(name, intervalMs, task), Math.min(intervalMs, 5_000));
    check.unref();
    this.timers.add(check);
  }

  onApplicationBootstrap(): void {
    if (!this.options.enabled) return;
    const timer = setInterval(() => void this.poll(), this.options.pollMs);
    timer.unref();
    this.timers.add(timer);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    // Jobs still running finish or, if the process ends first, fall due again when their lease ends.
    await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((r) => setTimeout(r, 5_000).unref())]);
  }

  private async runScheduled(name: string, intervalMs: number, task: () => Promise<unknown>): Promise<void> {
    if (this.stopped) return;
    try {
      if (await this.jobs.takeTurn(name, intervalMs)) await task();
    } catch (error) {
      // During an outage the next turn simply runs later; the outage itself is logged once, elsewhere.
      if (isDatabaseUnavailable(error)) return;
      this.logger.warn({ err: error }, `scheduled task ${name} failed`);
    }
  }

  private async poll(): Promise<void> {
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    this.polling = true;
    try {
      do {
        this.pollAgain = false;
        for (const [name, queue] of this.queues) await this.claim(name, queue);
      } while (this.pollAgain && !this.stopped);
    } catch {
      // The database is away; the outage is reported by the requests, the next poll tries again.
    } finally {
      this.polling = false;
    }
  }

  private async claim(name: string, queue: Queue): Promise<void> {
    const free = queue.concurrency - queue.running;
    if (free <= 0 || this.stopped) return;
    const claimed = await this.jobs.claim(name, free, queue.leaseMs);
    for (const job of claimed) this.track(this.run(queue, job));
    if (claimed.length === free) this.pollAgain = true;
  }

  private track(run: Promise<void>): void {
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }

  private async run(queue: Queue, job: ClaimedJob): Promise<void> {
    queue.running++;
    try {
      await queue.handler({ jobId: job.job_id, payload: job.payload, attempt: job.attempts });
      await this.jobs.complete(job.job_id);
    } catch (error) {
      await this.settleFailure(queue, job, error).catch(() => undefined);
    } finally {
      queue.running--;
      this.nudge();
    }
  }

  private async settleFailure(queue: Queue, job: ClaimedJob, error: unknown): Promise<void> {
    if (error instanceof DeferJob) return this.jobs.defer(job.job_id, error.delayMs);
    const message = error instanceof Error ? error.message : String(error);
    const delay = queue.retryDelaysMs[job.attempts - 1];
    if (error instanceof PermanentJobFailure || delay === undefined) await this.jobs.fail(job.job_id, message);
    else await this.jobs.retryLater(job.job_id, delay, message);
  }
}
