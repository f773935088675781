#!/usr/bin/env node
/** Process entry of the `iotlab` command: wires signals and stdio to runCli. */
import { runCli } from './program.js';

const controller = new AbortController();
let signals = 0;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    signals += 1;
    // A second Ctrl-C means "now": evidence was flushed by the first stop attempt or the timer.
    if (signals > 1) process.exit(130);
    controller.abort(sig);
  });
}

const code = await runCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  signal: controller.signal,
});
process.exitCode = code;
