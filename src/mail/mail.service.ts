import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import nodemailer, { type Transporter } from 'nodemailer';
import type { EntityManager } from 'typeorm';
import { JobsService, type Job } from '../jobs/jobs.service.js';

export const MAIL_OPTIONS = Symbol('MAIL_OPTIONS');

export interface MailOptions {
  /** `smtp://user:pass@host:587` or `smtps://…`; unset, nothing is sent. */
  smtpUrl?: string;
  from: string;
  /** Pauses before each new attempt while the mail server refuses or is down. */
  retryDelaysMs?: number[];
}

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

const QUEUE = 'mail';
const DEFAULT_RETRIES = [5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000];

/**
 * Mail goes out after the change that wants it commits: `send` only adds a job in the caller's
 * transaction, and the background queue delivers it through SMTP, retrying while the server is
 * down. A slow or absent mail server never slows or fails the API call.
 */
@Injectable()
export class MailService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Mail');
  private transport?: Transporter;

  constructor(
    private readonly jobs: JobsService,
    @Inject(MAIL_OPTIONS) private readonly options: MailOptions,
  ) {}

  get enabled(): boolean {
    return !!this.options.smtpUrl;
  }

  onModuleInit(): void {
    if (!this.options.smtpUrl) return;
    this.transport = nodemailer.createTransport(this.options.smtpUrl, { from: this.options.from });
    this.jobs.register<MailMessage>(QUEUE, (job) => this.deliver(job), { concurrency: 4, retryDelaysMs: this.options.retryDelaysMs ?? DEFAULT_RETRIES });
  }

  onModuleDestroy(): void {
    this.transport?.close();
  }

  /** Queues `message` in the caller's transaction; without `SMTP_URL`, does nothing and says so. */
  async send(m: EntityManager, message: MailMessage): Promise<boolean> {
    if (!this.enabled) return false;
    await this.jobs.enqueue(m, QUEUE, message);
    return true;
  }

  /** Call after the transaction that queued mail commits, so it leaves now rather than at the next poll. */
  flush(): void {
    if (this.enabled) this.jobs.nudge();
  }

  private async deliver(job: Job<MailMessage>): Promise<void> {
    try {
      await this.transport!.sendMail(job.payload);
    } catch (error) {
      // The recipient's address is personal data: the log names the job, not the person.
      this.logger.warn(`mail job ${job.jobId} attempt ${job.attempt} failed: ${(error as Error).message}`);
      throw error;
    }
  }
}
