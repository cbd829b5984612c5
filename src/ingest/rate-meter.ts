/** Events per second over a recent window (frames per second of a camera), from a fixed ring of timestamps. */

export interface RateMeter {
  add(atMs: number): void;
  /** Rate over the events within `windowMs` before `nowMs`; 0 with fewer than two. */
  rate(nowMs: number): number;
}

export function createRateMeter(windowMs: number, capacity = 256): RateMeter {
  const times = new Float64Array(capacity);
  let next = 0;
  let count = 0;

  return {
    add(atMs) {
      times[next] = atMs;
      next = (next + 1) % capacity;
      count = Math.min(count + 1, capacity);
    },
    rate(nowMs) {
      let newest = -Infinity;
      let oldest = Infinity;
      let inWindow = 0;
      for (let i = 0; i < count; i += 1) {
        const t = times[(next - 1 - i + capacity) % capacity];
        if (t < nowMs - windowMs) break;
        newest = Math.max(newest, t);
        oldest = Math.min(oldest, t);
        inWindow += 1;
      }
      if (inWindow < 2 || newest <= oldest) return 0;
      return ((inWindow - 1) * 1000) / (newest - oldest);
    },
  };
}
