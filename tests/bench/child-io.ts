/**
 * Shared by the benchmark's child scripts: one JSON line per message on stdout, and a clean stop
 * on SIGTERM/SIGINT or when the parent goes away (its end of our stdin closes), so that no child
 * outlives a crashed benchmark.
 */
export function emit(message: object): void {
  process.stdout.write(JSON.stringify(message) + '\n');
}

export function stopOnSignalOrOrphan(stop: () => Promise<void>): void {
  let stopping = false;
  const run = (): void => {
    if (stopping) return;
    stopping = true;
    // Bounded: a stop that hangs must not keep the child alive.
    const guard = setTimeout(() => process.exit(1), 10_000);
    guard.unref();
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`stop failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', run);
  process.on('SIGINT', run);
  process.stdin.on('end', run);
  process.stdin.on('close', run);
  process.stdin.resume();
}
