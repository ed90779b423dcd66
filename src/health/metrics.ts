import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request } from 'express';
import type { Pool } from 'pg';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DataSource } from 'typeorm';
import { isCatchAllRoute, type RouteLike } from '../common/http/allowed-methods.js';
import { pgPool } from '../database/pg-pool.js';

/** Prometheus metrics: requests by route template and status, latency, DB pool figures. */
export class Metrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  watchPool(dataSource: DataSource): void {
    const gauge = (name: string, help: string, read: (p: Pool) => number) =>
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          const p = pgPool(dataSource);
          this.set(p ? read(p) : 0);
        },
      });
    gauge('db_pool_connections_total', 'Connections open in the database pool', (p) => p.totalCount);
    gauge('db_pool_connections_idle', 'Idle connections in the database pool', (p) => p.idleCount);
    gauge('db_pool_requests_waiting', 'Queries waiting for a pool connection', (p) => p.waitingCount);
  }

  /** A finished response, by the matched route template (called by the front middleware). */
  readonly observe = (req: IncomingMessage, res: ServerResponse, seconds: number): void => {
    const labels = { method: req.method ?? '', route: routeTemplate(req as Request), status: String(res.statusCode) };
    this.requests.inc(labels);
    this.duration.observe(labels, seconds);
  };
}

/**
 * The matched controller route's template; catch-all routes that middleware registers for every
 * method (`{/*splat}`) are not a template, and unmatched requests share one label.
 */
function routeTemplate(req: Request): string {
  const route = req.route as RouteLike | undefined;
  if (!route?.methods || typeof route.path !== 'string' || isCatchAllRoute(route)) return 'unmatched';
  return route.path;
}
