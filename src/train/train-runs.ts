/** The `train_runs` table: one row per training (when, why, how it ended, which version), for triggers and history. */
import type { Db } from '../store/database.js';

export interface TrainRun { id: number; startedAtMs: number; finishedAtMs: number | null; reason: string; outcome: string | null; version: string | null }

export function createTrainRuns(db: Db) {
  const last = db.prepare('SELECT started_at, max_sample_id FROM train_runs ORDER BY id DESC LIMIT 1');
  const insert = db.prepare('INSERT INTO train_runs (started_at, reason, max_sample_id) VALUES (?, ?, (SELECT COALESCE(MAX(id), 0) FROM samples))');
  const finish = db.prepare('UPDATE train_runs SET finished_at = ?, outcome = ?, version = ? WHERE id = ?');
  const newest = db.prepare('SELECT id, started_at, finished_at, reason, outcome, version FROM train_runs ORDER BY id DESC LIMIT ?');
  const newSamples = db.prepare("SELECT COUNT(*) AS n FROM samples WHERE id > ? AND state != 'rejected'");
  return {
    last: () => last.get() as { started_at: number; max_sample_id: number } | undefined,
    start: (atMs: number, reason: string): number => Number(insert.run(atMs, reason).lastInsertRowid),
    finish: (id: number, atMs: number, outcome: string, version: string | null): void => void finish.run(atMs, outcome, version, id),
    /** Samples (not rejected) newer than the last training's newest. */
    newSamplesSince: (maxSampleId: number): number => (newSamples.get(maxSampleId) as { n: number }).n,
    history: (limit = 50): TrainRun[] => (newest.all(limit) as Array<{ id: number; started_at: number; finished_at: number | null; reason: string; outcome: string | null; version: string | null }>)
      .map((r) => ({ id: r.id, startedAtMs: r.started_at, finishedAtMs: r.finished_at, reason: r.reason, outcome: r.outcome, version: r.version })),
  };
}
