import { defineConfig } from 'vitest/config';

/** The exam-room test: many labs at once, where a contact's short pulses must all be seen. */
const ROOM = 'tests/e2e/exam-room.test.ts';
/**
 * The abuse suite: floods and bursts (1,000 TLS handshakes, serial and publish floods) that load
 * the machine for a few seconds, enough to make a timing-sensitive file beside them fail.
 */
const ABUSE = 'tests/abuse/**/*.test.ts';

export default defineConfig({
  test: {
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
    projects: [
      // First, on its own: beside another file (a browser test, say) its switch and M2M tasks
      // missed one pulse of 19 now and then, in two full runs of two.
      { extends: true, test: { name: 'room', include: [ROOM], sequence: { groupOrder: 0 } } },
      // Then the abuse suite among itself (about 5 s): beside it, task-monitor's script saw a 2 s
      // outage late and raised a false alarm, in two full runs of three.
      { extends: true, test: { name: 'abuse', include: [ABUSE], sequence: { groupOrder: 1 } } },
      {
        extends: true,
        test: {
          name: 'rest',
          include: ['tests/**/*.test.ts'],
          exclude: [ROOM, ABUSE],
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
