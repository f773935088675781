/**
 * vitest globalSetup: the whole run gets one temporary folder, and every test file, CLI child and
 * tool the tests start makes its temporary files inside it (TMPDIR, which os.tmpdir(), mkdtemp,
 * Python's tempfile and most tools honour, is set before the workers start and inherited by them).
 * Teardown removes the folder, so a run leaves nothing in the system temp directory even when a
 * test fails halfway or a child is killed. IOTLAB_KEEP_TEMP=1 keeps it for a post-mortem.
 *
 * vitest runs a globalSetup once per project (and once more for the root), so without the marker
 * each would nest a folder in the last one's: with three projects the run's folder sat four deep,
 * and Chromium's socket in it (…/org.chromium.Chromium.XXXXXX/SingletonSocket) passed the 107
 * bytes a Unix socket path may have: every browser test failed to launch in 0.1 s.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MARK = 'IOTLAB_TEST_TEMP_ROOT';

export default function setup(): () => void {
  // A later project's setup: the run's folder is made already, the first setup removes it.
  if (process.env[MARK]) return () => {};
  const outer = tmpdir();
  const root = mkdtempSync(join(outer, 'vitest-run-'));
  // Traversable like /tmp itself: a daemon a test starts as root drops to its own user (mosquitto
  // does) and must still reach the files made for it; each test's own folder keeps mode 0700.
  chmodSync(root, 0o755);
  process.env.TMPDIR = root;
  process.env[MARK] = root;
  return () => {
    delete process.env[MARK];
    if (process.env.IOTLAB_KEEP_TEMP) {
      process.stderr.write(`temporary files kept in ${root}\n`);
      return;
    }
    rmSync(root, { recursive: true, force: true, maxRetries: 3 });
  };
}
