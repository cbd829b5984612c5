/**
 * The persisted outbox: messages that must not be lost (events) are written to SQLite first and deleted only after
 * the broker acknowledged them (QoS 1 PUBACK). A broker outage or a restart of catwatch therefore loses nothing.
 * Bounded: beyond `maxMessages` the oldest are dropped and counted, so a broker gone for months cannot fill the disk.
 *
 * When the disk is full (or the database cannot be written for another reason), messages are held in memory instead
 * (bounded, oldest dropped and counted), the condition is reported (`storageError`, on status and /healthz), and
 * every later push or peek tries to move them to SQLite again, so they are delivered in order once space returns.
 * The service keeps running either way: an event is never the reason for a crash.
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
  /** Why messages are being held in memory (the database write error), or undefined when all is on disk. */
  storageError(): string | undefined;
  /** Messages held in memory while the database cannot be written. */
  heldInMemory(): number;
}

/** Messages kept in memory while the disk is full: about 1000 events of a few kB each. */
const MAX_HELD = 1000;

type Row = Omit<OutboxMessage, 'seq'> & { createdAtMs: number };

type StoredRow = { seq: number; topic: string; payload: Buffer; qos: number; retain: number };

function toMessage(r: StoredRow): OutboxMessage {
  return { seq: r.seq, topic: r.topic, payload: r.payload, qos: r.qos as 0 | 1 | 2, retain: r.retain === 1 };
}

function prepareStatements(db: Db) {
  return {
    insert: db.prepare('INSERT INTO outbox (topic, payload, qos, retain, created_at) VALUES (?, ?, ?, ?, ?)'),
    select: db.prepare('SELECT seq, topic, payload, qos, retain FROM outbox ORDER BY seq LIMIT ?'),
    del: db.prepare('DELETE FROM outbox WHERE seq = ?'),
    count: db.prepare('SELECT COUNT(*) AS n FROM outbox'),
    trim: db.prepare('DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox ORDER BY seq LIMIT ?)'),
  };
}

export function createOutbox(deps: { db: Db; maxMessages: number; now?: () => number }): Outbox {
  const { db } = deps;
  const now = deps.now ?? Date.now;
  const { insert, select, del, count, trim } = prepareStatements(db);
  const held: Array<Row & { seq: number }> = [];
  let nextHeldSeq = -1;
  let dropped = 0;
  let storageError: string | undefined;
  let cachedDepth = (count.get() as { n: number }).n;

  function persist(row: Row): void {
    insert.run(row.topic, row.payload, row.qos, row.retain ? 1 : 0, row.createdAtMs);
    cachedDepth++;
    if (cachedDepth > deps.maxMessages) {
      const excess = cachedDepth - deps.maxMessages;
      trim.run(excess);
      dropped += excess;
      cachedDepth -= excess;
    }
  }

  /** Moves held messages to the database, oldest first; stops at the first failure. */
  function flushHeld(): void {
    while (held.length > 0) {
      try {
        persist(held[0]);
      } catch (err) {
        storageError = (err as Error).message;
        return;
      }
      held.shift();
    }
    storageError = undefined;
  }

  function hold(row: Row, err: unknown): void {
    storageError = (err as Error).message;
    held.push({ ...row, seq: nextHeldSeq-- });
    if (held.length > MAX_HELD) {
      held.shift();
      dropped++;
    }
  }

  return {
    push(topic, payload, options = {}) {
      const row: Row = { topic, payload: Buffer.isBuffer(payload) ? payload : Buffer.from(payload), qos: options.qos ?? 1, retain: options.retain ?? false, createdAtMs: now() };
      flushHeld();
      if (held.length > 0) return hold(row, new Error(storageError));
      try {
        persist(row);
      } catch (err) {
        hold(row, err);
      }
    },
    peek(limit) {
      if (held.length > 0) flushHeld();
      const stored = (select.all(limit) as StoredRow[]).map(toMessage);
      // Held messages are newer than every stored one: they come after them.
      const memory = held.slice(0, Math.max(0, limit - stored.length)).map(({ seq, topic, payload, qos, retain }) => ({ seq, topic, payload, qos, retain }));
      return [...stored, ...memory];
    },
    remove(seq) {
      if (seq < 0) {
        const at = held.findIndex((m) => m.seq === seq);
        if (at >= 0) held.splice(at, 1);
        if (held.length === 0) storageError = undefined;
        return;
      }
      // Deleting frees space, so it works on a full disk; if it does not, the message is sent again later (QoS 1).
      try {
        if (del.run(seq).changes > 0) cachedDepth--;
      } catch (err) {
        storageError = (err as Error).message;
      }
    },
    depth: () => cachedDepth + held.length,
    droppedCount: () => dropped,
    storageError: () => storageError,
    heldInMemory: () => held.length,
  };
}
