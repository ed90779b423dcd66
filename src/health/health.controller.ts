import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator, type HealthCheckResult } from '@nestjs/terminus';
import { Public } from '../auth/public.decorator.js';
import { ServiceUnavailableError } from '../common/errors/app-error.js';
import { Metrics } from './metrics.js';

@ApiTags('operations')
@Public()
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    @Inject(Metrics) private readonly metrics: Metrics,
  ) {}

  /** Liveness: the process answers. */
  @Get('health/live')
  live(): { status: string } {
    return { status: 'ok' };
  }

  /** Readiness: the database answers within a second and a half. */
  @Get('health/ready')
  @HealthCheck()
  async ready(): Promise<HealthCheckResult> {
    try {
      return await this.health.check([() => this.db.pingCheck('database', { timeout: 1500 })]);
    } catch {
      throw new ServiceUnavailableError('Database unavailable');
    }
  }

  @Get('metrics')
  @ApiExcludeEndpoint()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async prometheus(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
