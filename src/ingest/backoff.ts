/**
 * Restart delays for a failing child: exponential growth, capped, with jitter so many cameras behind one dead
 * router do not reconnect in lock-step. A run that stayed healthy long enough starts the sequence over.
 */

export type JitterKind = 'full' | 'equal' | 'decorrelated';

export interface BackoffOptions {
  /** First delay (and the floor of decorrelated jitter). */
  initialMs: number;
  /** No delay exceeds this. */
  maxMs: number;
  /** A run healthy for at least this long resets the delay to the start. */
  healthyResetMs: number;
  /**
   * full: uniform in [0, min(maxMs, initialMs * 2^n)] (AWS "full jitter").
   * equal: uniform in [c/2, c] with c = min(maxMs, initialMs * 2^n) (AWS "equal jitter"): never hammers, and grows
   *   predictably (0.5-1 s, 1-2 s, 2-4 s, ...), so a camera that comes back is picked up within seconds.
   * decorrelated: uniform in [initialMs, 3 * previous], capped (AWS "decorrelated jitter"); never below initialMs.
   */
  jitter?: JitterKind;
  /** Uniform in [0, 1); injectable for tests. */
  random?: () => number;
}

export interface Backoff {
  /**
   * The delay before the next attempt. `healthyForMs`: how long the run that just ended was healthy (0 if it
   * never was); at least `healthyResetMs` resets the sequence first.
   */
  next(healthyForMs?: number): number;
  reset(): void;
  /** Delays handed out since the last reset. */
  attempts(): number;
}

export function createBackoff(options: BackoffOptions): Backoff {
  const { initialMs, maxMs, healthyResetMs } = options;
  if (!(initialMs > 0) || !(maxMs >= initialMs)) throw new RangeError('backoff needs 0 < initialMs <= maxMs');
  const jitter = options.jitter ?? 'decorrelated';
  const random = options.random ?? Math.random;
  let attempt = 0;
  let previousMs = initialMs;

  function reset(): void {
    attempt = 0;
    previousMs = initialMs;
  }

  return {
    next(healthyForMs = 0) {
      if (healthyForMs >= healthyResetMs) reset();
      let delayMs: number;
      if (jitter === 'full') {
        // 2^attempt overflows to Infinity for huge attempt counts; min() still caps it.
        const ceilingMs = Math.min(maxMs, initialMs * 2 ** attempt);
        delayMs = random() * ceilingMs;
      } else if (jitter === 'equal') {
        const ceilingMs = Math.min(maxMs, initialMs * 2 ** attempt);
        delayMs = ceilingMs / 2 + (random() * ceilingMs) / 2;
      } else {
        const upperMs = Math.min(maxMs, previousMs * 3);
        delayMs = Math.min(maxMs, initialMs + random() * (upperMs - initialMs));
      }
      attempt += 1;
      previousMs = Math.max(initialMs, delayMs);
      return Math.round(delayMs);
    },
    reset,
    attempts() {
      return attempt;
    },
  };
}
