import { Global, Module, type DynamicModule } from '@nestjs/common';
import { JobsRepository } from './jobs.repository.js';
import { JOBS_OPTIONS, JobsService, type JobsOptions } from './jobs.service.js';

/** The background queue; global, so any feature can enqueue into it and register a handler. */
@Global()
@Module({})
export class JobsModule {
  static forRoot(options: JobsOptions): DynamicModule {
    return {
      module: JobsModule,
      providers: [JobsRepository, JobsService, { provide: JOBS_OPTIONS, useValue: options }],
      exports: [JobsService],
    };
  }
}
