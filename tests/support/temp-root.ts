/**
 * vitest globalSetup: the whole run gets one temporary folder, and every test file, CLI child and
 * tool the tests start makes its temporary files inside it (TMPDIR, which os.tmpdir(), mkdtemp,
 * Python's tempfile and most tools honour, is set before the workers start and inherited by them).
 * Teardown removes the folder, so a run leaves nothing in the system temp directory even when a
 * test fails halfway or a child is killed. IOTLAB_KEEP_TEMP=1 keeps it for a post-mortem.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const outer = tmpdir();
  const root = mkdtempSync(join(outer, 'vitest-run-'));
  // Traversable like /tmp itself: a daemon a test starts as root drops to its own user (mosquitto
  // does) and must still reach the files made for it; each test's own folder keeps mode 0700.
  chmodSync(root, 0o755);
  process.env.TMPDIR = root;
  return () => {
    if (process.env.IOTLAB_KEEP_TEMP) {
      process.stderr.write(`temporary files kept in ${root}\n`);
      return;
    }
    rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  };
}
