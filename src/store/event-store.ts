/**
 * The event history: one row per event (start, end, top score, box, model) in the `events` table, and its best
 * snapshot as a JPEG under dataDir/events. Bounded twice: the newest `maxRows` events are kept, and snapshots stay
 * under `snapshotQuotaMb` (the oldest go first; their rows stay, without a snapshot).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { NormBox } from '../image/image.js';
import type { Logger } from '../util/log.js';
import type { Db } from './database.js';
import { unlinkQuietly, writeDurable } from './sample-files.js';

export interface EventRecord {
  id: string;
  camera: string;
  label: string;
  startMs: number;
  endMs: number | null;
  topScore: number;
  box: NormBox | null;
  modelVersion: string | null;
  /** Relative to dataDir; null when none was kept. */
  snapshotFile: string | null;
}

interface Row { id: string; camera: string; label: string; start_ms: number; end_ms: number | null; top_score: number; box: string | null; model_version: string | null; snapshot_file: string | null }

const toRecord = (r: Row): EventRecord => ({
  id: r.id, camera: r.camera, label: r.label, startMs: r.start_ms, endMs: r.end_ms, topScore: r.top_score,
  box: r.box ? (JSON.parse(r.box) as NormBox) : null, modelVersion: r.model_version, snapshotFile: r.snapshot_file,
});

export interface EventStoreDeps { db: Db; dataDir: string; limits: () => { maxRows: number; snapshotQuotaMb: number } }

export function createEventStore(deps: EventStoreDeps) {
  const { db, dataDir } = deps;
  const upsert = db.prepare(`INSERT INTO events (id, camera, label, start_ms, end_ms, top_score, box, model_version) VALUES (@id, @camera, @label, @start_ms, @end_ms, @top_score, @box, @model_version)
    ON CONFLICT(id) DO UPDATE SET end_ms = excluded.end_ms, top_score = MAX(top_score, excluded.top_score), box = COALESCE(excluded.box, box), model_version = COALESCE(excluded.model_version, model_version)`);
  const setSnapshot = db.prepare('UPDATE events SET snapshot_file = ?, snapshot_bytes = ? WHERE id = ?');

  function prune(): void {
    const { maxRows, snapshotQuotaMb } = deps.limits();
    const old = db.prepare('SELECT id, snapshot_file FROM events ORDER BY start_ms DESC LIMIT -1 OFFSET ?').all(maxRows) as Array<{ id: string; snapshot_file: string | null }>;
    for (const r of old) if (r.snapshot_file) unlinkQuietly(join(dataDir, r.snapshot_file));
    if (old.length > 0) db.prepare('DELETE FROM events WHERE id IN (SELECT id FROM events ORDER BY start_ms DESC LIMIT -1 OFFSET ?)').run(maxRows);
    let total = (db.prepare('SELECT COALESCE(SUM(snapshot_bytes), 0) AS n FROM events').get() as { n: number }).n;
    const quota = snapshotQuotaMb * 1024 * 1024;
    if (total <= quota) return;
    for (const r of db.prepare('SELECT id, snapshot_file, snapshot_bytes FROM events WHERE snapshot_file IS NOT NULL ORDER BY start_ms').all() as Array<{ id: string; snapshot_file: string; snapshot_bytes: number }>) {
      if (total <= quota) break;
      unlinkQuietly(join(dataDir, r.snapshot_file));
      setSnapshot.run(null, 0, r.id);
      total -= r.snapshot_bytes;
    }
  }

  return {
    record(e: Omit<EventRecord, 'snapshotFile'>): void {
      upsert.run({ id: e.id, camera: e.camera, label: e.label, start_ms: Math.round(e.startMs), end_ms: e.endMs === null ? null : Math.round(e.endMs), top_score: e.topScore, box: e.box ? JSON.stringify(e.box) : null, model_version: e.modelVersion });
    },
    /** The event's best snapshot so far (replaces the previous one); then the limits are enforced. */
    async saveSnapshot(id: string, jpeg: Buffer): Promise<void> {
      const file = `events/${id.replace(/[^\w.-]/g, '_')}.jpg`;
      await mkdir(join(dataDir, 'events'), { recursive: true });
      await writeDurable(join(dataDir, file), jpeg);
      setSnapshot.run(file, jpeg.length, id);
      prune();
    },
    list(filter: { camera?: string; sinceMs?: number; untilMs?: number; limit?: number } = {}): EventRecord[] {
      const rows = db.prepare(`SELECT id, camera, label, start_ms, end_ms, top_score, box, model_version, snapshot_file FROM events
        WHERE (@camera IS NULL OR camera = @camera) AND start_ms >= @since AND start_ms <= @until ORDER BY start_ms DESC LIMIT @limit`)
        .all({ camera: filter.camera ?? null, since: filter.sinceMs ?? 0, until: filter.untilMs ?? Number.MAX_SAFE_INTEGER, limit: filter.limit ?? 200 }) as Row[];
      return rows.map(toRecord);
    },
    get(id: string): EventRecord | undefined {
      const r = db.prepare('SELECT id, camera, label, start_ms, end_ms, top_score, box, model_version, snapshot_file FROM events WHERE id = ?').get(id) as Row | undefined;
      return r ? toRecord(r) : undefined;
    },
    prune,
  };
}

export type EventStore = ReturnType<typeof createEventStore>;

/** An event payload (as published on MQTT: times in seconds) as a history row. */
export function eventRecord(p: { id: string; camera: string; label: string; start_time: number; end_time: number | null; top_score: number; box: NormBox | null; model_version: string }): Omit<EventRecord, 'snapshotFile'> {
  return { id: p.id, camera: p.camera, label: p.label, startMs: p.start_time * 1000, endMs: p.end_time === null ? null : p.end_time * 1000, topScore: p.top_score, box: p.box, modelVersion: p.model_version };
}

/** What the events stage hands the history. It is a convenience: a full disk must not stop the event itself (it is
 *  in the outbox already), so failures are logged, never thrown. */
export function eventHistoryKeeper(history: EventStore, log: Logger) {
  return {
    record(p: Parameters<typeof eventRecord>[0]): void {
      try {
        history.record(eventRecord(p));
      } catch (err) {
        log.warn({ err: (err as Error).message, event: p.id }, 'event history not kept');
      }
    },
    saveSnapshot(id: string, jpeg: Buffer): void {
      void history.saveSnapshot(id, jpeg).catch((err: unknown) => log.warn({ err: (err as Error).message }, 'event snapshot not kept'));
    },
  };
}
