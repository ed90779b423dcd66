import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BENCH = path.join(ROOT, 'bench');
export const RESULTS = path.join(BENCH, 'results');

/** An import specifier for a module of the built service. */
export const dist = (rel) => pathToFileURL(path.join(ROOT, 'dist', rel)).href;
