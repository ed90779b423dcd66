import { Controller, Get, Header, Inject, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { Public } from '../auth/public.decorator.js';
import { ServiceUnavailableError } from '../common/errors/app-error.js';
import type { Request, Response } from 'express';
import { ApiErrors } from '../common/openapi.js';
import { ReadRouter } from '../database/replicas/read-router.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { AppConfig } from '../config/config.js';
import { assertMetricsAccess } from './metrics-access.js';
import { Metrics } from './metrics.js';
import { ReadinessProbe } from './readiness.js';

const INDICATORS = { type: 'object', additionalProperties: { type: 'object', properties: { status: { type: 'string' } }, additionalProperties: true } };

@ApiTags('health')
@Public()
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly probe: ReadinessProbe,
    @Inject(Metrics) private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly reads: ReadRouter,
  ) {}

  /** Liveness: the process answers (the database is not consulted). */
  @Get('health/live')
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({ description: 'The process is alive', schema: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } } })
  live(): { status: string } {
    return { status: 'ok' };
  }

  /**
   * Readiness: the database answers within a second and a half, on a connection of its own (a busy
   * pool is not an unready instance); otherwise 503 with Retry-After. Each replica is listed with
   * its state (`up`, `lagging` or `down`) and lag; one that is skipped makes the answer `degraded`
   * but not unready, since its reads go to the primary.
   */
  @Get('health/ready')
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @ApiOkResponse({
    description: 'Ready to serve: the database is up (`degraded` while a replica is down or lagging)',
    schema: {
      type: 'object',
      required: ['status', 'info', 'error', 'details'],
      properties: { status: { type: 'string', enum: ['ok', 'degraded'] }, info: INDICATORS, error: INDICATORS, details: INDICATORS },
      example: {
        status: 'ok',
        info: { database: { status: 'up' }, replica_1: { status: 'up', state: 'up', lag_ms: 12 } },
        error: {},
        details: { database: { status: 'up' }, replica_1: { status: 'up', state: 'up', lag_ms: 12 } },
      },
    },
  })
  @ApiErrors(503)
  async ready(): Promise<HealthCheckResult> {
    try {
      return await this.health.check([async () => ({ database: { status: 'up', responseTime: await this.probe.ping() } }), async () => this.reads.report()]);
    } catch {
      throw new ServiceUnavailableError('Database unavailable');
    }
  }

  /**
   * Prometheus text; with `METRICS_TOKEN` set, only for `Authorization: Bearer <METRICS_TOKEN>`.
   * The text type is set after the check (a decorator's header would label the 401's JSON too).
   */
  @Get('metrics')
  @ApiExcludeEndpoint()
  async prometheus(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<string> {
    res.setHeader('Cache-Control', 'no-store');
    assertMetricsAccess(this.config.metricsToken, req.headers.authorization);
    res.setHeader('Content-Type', 'text/plain; version=0.0.4; charset=utf-8');
    return this.metrics.registry.metrics();
  }
}
