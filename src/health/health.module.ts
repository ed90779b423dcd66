import { Module, type OnModuleInit } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { DatabaseOutage } from '../database/outage.js';
import { ReadRouter } from '../database/replicas/read-router.js';
import { HealthController } from './health.controller.js';
import { Metrics } from './metrics.js';
import { ReadinessProbe } from './readiness.js';

@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [{ provide: Metrics, useFactory: () => new Metrics() }, ReadinessProbe],
  exports: [Metrics],
})
export class HealthModule implements OnModuleInit {
  constructor(
    private readonly metrics: Metrics,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outage: DatabaseOutage,
    private readonly reads: ReadRouter,
  ) {}

  onModuleInit(): void {
    this.metrics.watchPool(this.dataSource);
    this.metrics.registry.registerMetric(this.outage.refusedRequests);
    if (this.reads.enabled) {
      this.metrics.registry.registerMetric(this.reads.reads);
      this.metrics.registry.registerMetric(this.reads.lag);
    }
  }
}
