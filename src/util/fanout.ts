/**
 * One producer, several synchronous consumers of the same value (a scored frame goes to events, mining, metrics and
 * stats). No queue: each consumer does O(1) work or queues on its own, bounded. A consumer that throws is logged
 * and the others still run.
 */
import type { Logger } from './log.js';

export interface Fanout<T> {
  add(name: string, consumer: (value: T) => void): void;
  emit(value: T): void;
}

export function createFanout<T>(log: Logger): Fanout<T> {
  const consumers: Array<{ name: string; consumer: (value: T) => void }> = [];
  return {
    add(name, consumer) {
      consumers.push({ name, consumer });
    },
    emit(value) {
      for (const { name, consumer } of consumers) {
        try {
          consumer(value);
        } catch (err) {
          log.error({ consumer: name, err }, 'consumer failed');
        }
      }
    },
  };
}
