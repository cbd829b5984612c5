/**
 * The persisted outbox: messages that must not be lost (events) are written to SQLite first and deleted only after
 * the broker acknowledged them (QoS 1 PUBACK). A broker outage or a restart of catwatch therefore loses nothing.
 * Bounded: beyond `maxMessages` the oldest are dropped and counted, so a broker gone for months cannot fill the disk.
 */
import type { Db } from '../store/database.js';

export interface OutboxMessage {
  seq: number;
  topic: string;
  payload: Buffer;
  qos: 0 | 1 | 2;
  retain: boolean;
}

export interface Outbox {
  push(topic: string, payload: string | Buffer, options?: { qos?: 0 | 1 | 2; retain?: boolean }): void;
  /** Oldest first. */
  peek(limit: number): OutboxMessage[];
  remove(seq: number): void;
  depth(): number;
  droppedCount(): number;
}

export function createOutbox(deps: { db: Db; maxMessages: number; now?: () => number }): Outbox {
  const { db } = deps;
  const now = deps.now ?? Date.now;
  const insert = db.prepare('INSERT INTO outbox (topic, payload, qos, retain, created_at) VALUES (?, ?, ?, ?, ?)');
  const select = db.prepare('SELECT seq, topic, payload, qos, retain FROM outbox ORDER BY seq LIMIT ?');
  const del = db.prepare('DELETE FROM outbox WHERE seq = ?');
  const count = db.prepare('SELECT COUNT(*) AS n FROM outbox');
  const trim = db.prepare('DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox ORDER BY seq LIMIT ?)');
  let dropped = 0;
  let cachedDepth = (count.get() as { n: number }).n;

  return {
    push(topic, payload, options = {}) {
      insert.run(topic, Buffer.isBuffer(payload) ? payload : Buffer.from(payload), options.qos ?? 1, options.retain ? 1 : 0, now());
      cachedDepth++;
      if (cachedDepth > deps.maxMessages) {
        const excess = cachedDepth - deps.maxMessages;
        trim.run(excess);
        dropped += excess;
        cachedDepth -= excess;
      }
    },
    peek(limit) {
      return (select.all(limit) as Array<{ seq: number; topic: string; payload: Buffer; qos: number; retain: number }>).map((r) => ({
        seq: r.seq,
        topic: r.topic,
        payload: r.payload,
        qos: r.qos as 0 | 1 | 2,
        retain: r.retain === 1,
      }));
    },
    remove(seq) {
      if (del.run(seq).changes > 0) cachedDepth--;
    },
    depth: () => cachedDepth,
    droppedCount: () => dropped,
  };
}
