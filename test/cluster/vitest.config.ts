import { defineConfig } from 'vitest/config';
import base from '../../vitest.config.js';

// `npm run test:cluster`: two service processes on one PostgreSQL and the Redis at REDIS_URL
// (default 127.0.0.1:6379). Kept out of `npm test`, which needs no Redis.
export default defineConfig({ ...base, test: { ...base.test, include: ['test/cluster/**/*.cluster.ts'], testTimeout: 120_000 } });
