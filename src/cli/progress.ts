/** A one-line progress bar on stderr when it is a TTY; silent otherwise (logs and --json stay clean). */
export function createProgress(enabled = Boolean(process.stderr.isTTY)) {
  let lastDraw = 0;
  return {
    update(phase: string, done: number, total: number): void {
      if (!enabled) return;
      const now = Date.now();
      if (done < total && now - lastDraw < 100) return;
      lastDraw = now;
      const width = 30;
      const filled = total > 0 ? Math.round((done / total) * width) : 0;
      process.stderr.write(`\r${phase.padEnd(6)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
      if (done >= total) process.stderr.write('\n');
    },
  };
}
