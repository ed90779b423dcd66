import type { Request } from 'express';

export interface RouteLike {
  path?: unknown;
  methods: Record<string, boolean>;
}

interface Layer {
  route?: RouteLike;
  match(path: string): boolean;
}

/**
 * Middleware applied "for all routes" is registered as a route on `{/*splat}`, once for every HTTP
 * method (or through `all()`): such a route says nothing about which methods a path supports.
 */
export function isCatchAllRoute(route: RouteLike): boolean {
  return !!route.methods._all || Object.keys(route.methods).length > 10 || (typeof route.path === 'string' && route.path.includes('*'));
}

/** Methods that some other route accepts on this path: a non-empty answer turns a 404 into a 405. */
export function allowedMethods(req: Request): string[] {
  const stack: Layer[] = (req.app as unknown as { router?: { stack?: Layer[] } })?.router?.stack ?? [];
  const methods = new Set<string>();
  for (const layer of stack) {
    if (!layer.route || isCatchAllRoute(layer.route)) continue;
    try {
      if (!layer.match(req.path)) continue;
    } catch {
      continue;
    }
    for (const [method, on] of Object.entries(layer.route.methods)) {
      if (on && method !== '_all') methods.add(method.toUpperCase());
    }
  }
  if (methods.has('GET')) methods.add('HEAD');
  return [...methods].sort();
}
