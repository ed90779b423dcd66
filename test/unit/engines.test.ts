import { readFileSync } from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

interface LockEntry {
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, LockEntry> };

/** Where npm resolves `name` for the package installed at `from`: the nearest node_modules up the tree. */
function resolve(from: string, name: string): string | undefined {
  for (let dir = from; ; ) {
    const candidate = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
    if (lock.packages[candidate]) return candidate;
    if (!dir) return undefined;
    const parent = dir.lastIndexOf('/node_modules/');
    dir = parent < 0 ? '' : dir.slice(0, parent);
  }
}

/** Every package the service or a library consumer loads at run time, as locked. */
function runtimePackages(): string[] {
  const seen = new Set<string>();
  const queue = Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies }).map((name) => resolve('', name)!);
  while (queue.length > 0) {
    const at = queue.pop()!;
    if (seen.has(at)) continue;
    seen.add(at);
    const entry = lock.packages[at];
    for (const name of Object.keys({ ...entry.dependencies, ...entry.peerDependencies, ...entry.optionalDependencies })) {
      const found = resolve(at, name);
      if (found) queue.push(found);
    }
  }
  return [...seen];
}

describe('supported Node.js versions', () => {
  it('every run-time dependency accepts the oldest Node.js the package promises', () => {
    const oldest = semver.minVersion(pkg.engines.node)!.version;
    expect(oldest).toBe('20.19.0');
    const packages = runtimePackages();
    expect(packages).toContain('node_modules/@nestjs/core');
    const refusing = packages
      .filter((at) => lock.packages[at].engines?.node && !semver.satisfies(oldest, lock.packages[at].engines!.node!))
      .map((at) => `${path.basename(at)} (${lock.packages[at].engines!.node})`);
    expect(refusing).toEqual([]);
  });
});
