import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/support/temp-root.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // Two test files at a time, whatever the machine's cores (vitest's default is one less than
    // the cores: one on CI's two). Most of a file's time is lab clocks and browsers waiting, so a
    // second file roughly halves the run; more than two overloads a two-core machine.
    maxWorkers: 2,
    minWorkers: 1,
    // Tests marked concurrent (task-rules, task-emb-serial: labs at 10×) run two at a time.
    maxConcurrency: 2,
  },
});
