import type { Request } from 'express';

interface Layer {
  route?: { methods: Record<string, boolean> };
  match(path: string): boolean;
}

/** Methods that some other route accepts on this path: a non-empty answer turns a 404 into a 405. */
export function allowedMethods(req: Request): string[] {
  const stack: Layer[] = (req.app as unknown as { router?: { stack?: Layer[] } })?.router?.stack ?? [];
  const methods = new Set<string>();
  for (const layer of stack) {
    // A route that takes every method (a catch-all) says nothing about this path.
    if (!layer.route || layer.route.methods._all || Object.keys(layer.route.methods).length > 10) continue;
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
