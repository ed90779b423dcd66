import { Global, Inject, Injectable, Module, Optional, type DynamicModule, type OnModuleInit } from '@nestjs/common';
import { JobsService } from '../../jobs/jobs.service.js';
import { ConditionalGuard } from './conditional/conditional.guard.js';
import { IdempotencyInterceptor } from './idempotency/idempotency.interceptor.js';
import { DEFAULT_HTTP_CONDITIONS, HTTP_CONDITIONS_OPTIONS, type HttpConditionsOptions } from './idempotency/idempotency.options.js';
import { IdempotencyRepository } from './idempotency/idempotency.repository.js';

const PURGE_EVERY_MS = 60_000;

/** Deletes expired idempotency records, on one instance at a time (when the job queue is there). */
@Injectable()
class IdempotencyPurge implements OnModuleInit {
  constructor(
    private readonly keys: IdempotencyRepository,
    @Optional() @Inject(JobsService) private readonly jobs?: JobsService,
  ) {}

  onModuleInit(): void {
    this.jobs?.every('idempotency-keys-purge', PURGE_EVERY_MS, () => this.keys.purgeExpired());
  }
}

/**
 * What `@Conditional()` and `@Idempotent()` routes need, for this service's routes and a
 * consumer's alike: the settings, the guard and the interceptor, and the store of idempotency outcomes.
 */
@Global()
@Module({})
export class HttpConditionsModule {
  static forRoot(options: Partial<HttpConditionsOptions> = {}): DynamicModule {
    return {
      module: HttpConditionsModule,
      providers: [
        { provide: HTTP_CONDITIONS_OPTIONS, useValue: { ...DEFAULT_HTTP_CONDITIONS, ...options } },
        ConditionalGuard,
        IdempotencyInterceptor,
        IdempotencyRepository,
        { provide: IdempotencyPurge, useClass: IdempotencyPurge },
      ],
      exports: [HTTP_CONDITIONS_OPTIONS, ConditionalGuard, IdempotencyInterceptor, IdempotencyRepository],
    };
  }
}
