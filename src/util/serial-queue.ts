/**
 * A small bounded queue worked off one item at a time (durable writes that must not run in parallel). `offer`
 * never waits: when the queue is full it says so and the caller counts the drop. `settle` gives the queue up to
 * `waitMs` to empty (at stop), then drops what is left.
 */
export interface SerialQueue<T> {
  /** False when full (the item was not taken). */
  offer(item: T): boolean;
  /** Items waiting plus the one being worked on. */
  size(): number;
  waiting(): number;
  /** Waits up to waitMs for the queue to empty; returns how many items were left (and dropped). */
  settle(waitMs: number): Promise<number>;
}

export function createSerialQueue<T>(maxWaiting: number, work: (item: T) => Promise<void>, onError: (item: T, err: unknown) => void): SerialQueue<T> {
  const queue: T[] = [];
  let current: Promise<void> | undefined;

  function drain(): void {
    if (current) return;
    const item = queue.shift();
    if (item === undefined) return;
    current = work(item)
      .catch((err: unknown) => onError(item, err))
      .finally(() => {
        current = undefined;
        drain();
      });
  }

  return {
    offer(item) {
      if (queue.length >= maxWaiting) return false;
      queue.push(item);
      drain();
      return true;
    },
    size: () => queue.length + (current ? 1 : 0),
    waiting: () => queue.length,
    async settle(waitMs) {
      // Real time: this is a bounded wait at stop, not a decision.
      const deadline = Date.now() + waitMs;
      while ((current || queue.length > 0) && Date.now() < deadline) {
        await Promise.race([current, new Promise((resolve) => setTimeout(resolve, 50))]);
      }
      const left = queue.length + (current ? 1 : 0);
      queue.length = 0;
      return left;
    },
  };
}
