/** Waits for observable state: polls `probe` every 100 ms until it returns a value, or fails at the deadline. */
export async function pollUntil<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined, context?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await Promise.resolve()
      .then(probe)
      .catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${context ? `; context:\n${context().slice(-3000)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
