import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/support/temp-root.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // Tests marked concurrent (task-rules, task-emb-serial: labs at 10×) run two at a time.
    maxConcurrency: 2,
  },
});
