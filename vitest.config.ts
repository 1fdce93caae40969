import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests share one Postgres and one Redis; each isolates itself with its own
    // schema and queue prefix, so files may run in parallel on the two cores.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
