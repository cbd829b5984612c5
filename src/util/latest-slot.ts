/**
 * A one-item mailbox where the newest value wins: the hand-off between a producer that must never block (ffmpeg's
 * reader) and a consumer that may fall behind (scoring). A value replaced before anyone took it counts as dropped,
 * so memory stays bounded and the backlog is visible instead of growing.
 */

export interface LatestSlot<T> {
  /** Store a value; replaces (and counts as dropped) a value nobody has taken yet. Ignored after close(). */
  put(value: T): void;
  /** The newest value; waits for one when empty. Undefined once closed or when `signal` aborts. */
  take(signal?: AbortSignal): Promise<T | undefined>;
  /** Wake every waiting take() with undefined; later puts are ignored. */
  close(): void;
  /** Values replaced before they were taken. */
  dropped(): number;
}

interface Waiter<T> {
  resolve(value: T | undefined): void;
}

export function createLatestSlot<T>(): LatestSlot<T> {
  let value: T | undefined;
  let hasValue = false;
  let closed = false;
  let droppedCount = 0;
  const waiters: Array<Waiter<T>> = [];

  return {
    put(next) {
      if (closed) return;
      const waiter = waiters.shift();
      if (waiter) {
        waiter.resolve(next);
        return;
      }
      if (hasValue) droppedCount += 1;
      value = next;
      hasValue = true;
    },

    take(signal) {
      if (closed || signal?.aborted) return Promise.resolve(undefined);
      if (hasValue) {
        const v = value;
        value = undefined;
        hasValue = false;
        return Promise.resolve(v);
      }
      return new Promise<T | undefined>((resolve) => {
        const onAbort = (): void => {
          const i = waiters.indexOf(waiter);
          if (i >= 0) waiters.splice(i, 1);
          resolve(undefined);
        };
        const waiter: Waiter<T> = {
          resolve(v) {
            signal?.removeEventListener('abort', onAbort);
            resolve(v);
          },
        };
        waiters.push(waiter);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    },

    close() {
      if (closed) return;
      closed = true;
      value = undefined;
      hasValue = false;
      for (const waiter of waiters.splice(0)) waiter.resolve(undefined);
    },

    dropped() {
      return droppedCount;
    },
  };
}
