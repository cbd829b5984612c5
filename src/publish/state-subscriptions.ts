/**
 * Retained state topics the service follows (e.g. the fleet's signed model pointer). Unlike commands (command-gate.ts),
 * retained messages are delivered, since the last retained value is the state; a message above its topic's
 * `maxBytes` is dropped and logged with bounded fields. A handler that throws is logged, never fatal.
 */
import type { MqttClient } from 'mqtt';
import type { Logger } from '../util/log.js';
import { bounded } from './command-gate.js';

type Handler = (payload: Buffer) => void;

export function createStateSubscriptions(log: Logger) {
  const subs = new Map<string, { handler: Handler; maxBytes: number }>();
  return {
    topics: (): string[] => [...subs.keys()],
    /** True when `topic` is a state topic (handled, or dropped as too large). */
    handle(topic: string, payload: Buffer): boolean {
      const sub = subs.get(topic);
      if (!sub) return false;
      if (payload.length > sub.maxBytes) {
        log.warn({ topic, bytes: payload.length, maxBytes: sub.maxBytes }, 'mqtt state message too large, ignored');
        return true;
      }
      try {
        sub.handler(payload);
      } catch (err) {
        log.warn({ topic, err: bounded((err as Error).message) }, 'mqtt state message rejected');
      }
      return true;
    },
    /** Follows `topic` (subscribing now when connected, else at the next connect); returns an unsubscribe. */
    add(topic: string, handler: Handler, maxBytes: number, client: () => MqttClient | undefined): () => void {
      subs.set(topic, { handler, maxBytes });
      if (client()?.connected) client()?.subscribe(topic, { qos: 1 });
      return () => {
        subs.delete(topic);
        if (client()?.connected) client()?.unsubscribe(topic);
      };
    },
  };
}
