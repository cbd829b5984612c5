/**
 * The sample store: mined samples as rows of the `samples` table (metadata, embedding, label state) and two JPEGs
 * each beside the database, `samples/<camera>/<yyyy-mm-dd UTC>/<id>-crop.jpg` and `-frame.jpg`.
 *
 * Crash safety comes from ordering, so a kill -9 at any point leaves a consistent store:
 * - add: both files are written to temp names, fsynced and renamed, THEN the row is inserted (one transaction).
 *   A crash before the insert leaves files without a row (or temp files), never a row without its files.
 * - delete: the row goes first (one transaction), then its files. A crash in between leaves orphan files again.
 * - `recover()` (at service start, before any add, with no other writer) deletes temp and orphan files, and drops
 *   rows whose files vanished behind our back (a person deleting them, an OS crash), logging their ids.
 * The row holds its files' byte count, so disk use is the sum over rows and an orphan is never counted.
 * Ids are chosen before the files are written (the file names carry them): one past the highest id ever used
 * (sqlite_sequence), counted in memory; only the service adds samples, the CLI only reads and labels.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CatwatchError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import type { Db } from './database.js';
import { encodeJpeg, fsyncDirAsync, unlinkQuietly, writeDurable } from './sample-files.js';
import { checkStoreIntegrity, enforceQuota, exportSamples, recoverStore } from './sample-maintenance.js';
import { COLUMNS, isSampleState, SAMPLE_STATES, toRecord, totalBytes, type NewSample, type Row, type SampleRecord, type SampleState, type ScoredSampleRow, type StoreContext } from './sample-rows.js';
import type { Statement } from 'better-sqlite3';

export interface SampleStoreDeps {
  db: Db;
  dataDir: string;
  log: Logger;
  now?: () => number;
  jpegQuality?: number;
}


const CAMERA_DIR = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** Files first (temp names, fsynced, renamed, folders fsynced), then the row: a crash leaves only orphans. */
async function writeSample(ctx: StoreContext, allocateId: () => number, sample: NewSample, quality: number, insert: Statement): Promise<SampleRecord> {
  const { db, dataDir } = ctx;
  if (!CAMERA_DIR.test(sample.camera)) throw new CatwatchError('E_STORE', `camera name ${JSON.stringify(sample.camera)} cannot be a folder name`);
  const id = allocateId();
  const relDir = `samples/${sample.camera}/${new Date(sample.capturedAtMs).toISOString().slice(0, 10)}`;
  const cropFile = `${relDir}/${id}-crop.jpg`;
  const frameFile = `${relDir}/${id}-frame.jpg`;
  const [crop, frame] = await Promise.all([encodeJpeg(sample.crop, quality), encodeJpeg(sample.frame, quality)]);
  const absDir = join(dataDir, relDir);
  const row: Row = {
    id, camera: sample.camera, captured_at: Math.round(sample.capturedAtMs), score: sample.score, reason: sample.reason,
    model_version: sample.modelVersion, phash: sample.phash, crop_file: cropFile, frame_file: frameFile,
    bytes: crop.length + frame.length, state: 'mined', labelled_at: null, backbone_id: sample.backboneId,
    prior: sample.prior ?? null, box: sample.box ? JSON.stringify(sample.box) : null,
  };
  const embedding = sample.embedding ? Buffer.from(sample.embedding.buffer, sample.embedding.byteOffset, sample.embedding.byteLength) : null;
  try {
    const created = await mkdir(absDir, { recursive: true });
    await writeDurable(join(dataDir, cropFile), crop);
    await writeDurable(join(dataDir, frameFile), frame);
    // The renames must be on disk before the row that points at them.
    await fsyncDirAsync(absDir);
    // New folders: each one's entry in its parent too, up to the first folder that existed.
    if (created !== undefined) for (let d = absDir; d !== dirname(created); ) await fsyncDirAsync((d = dirname(d)));
    db.transaction(() => insert.run({ ...row, embedding }))();
  } catch (err) {
    for (const file of [cropFile, frameFile]) for (const path of [join(dataDir, file), join(dataDir, `${file}.tmp`)]) unlinkQuietly(path);
    throw new CatwatchError('E_STORE', `could not store sample ${id}: ${(err as Error).message}`, { cause: err });
  }
  return toRecord(row);
}

export function createSampleStore(deps: SampleStoreDeps) {
  const { db, dataDir } = deps;
  const log = deps.log.child({ component: 'sample-store' });
  const now = deps.now ?? Date.now;
  const quality = deps.jpegQuality ?? 85;
  const ctx: StoreContext = { db, dataDir, samplesRoot: join(dataDir, 'samples'), log, now };
  let nextId: number | undefined;

  const insert = db.prepare(`INSERT INTO samples (id, camera, captured_at, score, reason, model_version, phash, crop_file, frame_file, bytes, embedding, backbone_id, prior, box)
    VALUES (@id, @camera, @captured_at, @score, @reason, @model_version, @phash, @crop_file, @frame_file, @bytes, @embedding, @backbone_id, @prior, @box)`);
  function allocateId(): number {
    if (nextId === undefined) {
      const seq = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'samples'").get() as { seq: number } | undefined;
      const max = db.prepare('SELECT MAX(id) AS id FROM samples').get() as { id: number | null };
      nextId = Math.max(seq?.seq ?? 0, max.id ?? 0) + 1;
    }
    return nextId++;
  }

  return {
    add: (sample: NewSample): Promise<SampleRecord> => writeSample(ctx, allocateId, sample, quality, insert),

    get(id: number): (SampleRecord & { embedding: Float32Array | null }) | undefined {
      const r = db.prepare(`SELECT ${COLUMNS}, embedding FROM samples WHERE id = ?`).get(id) as (Row & { embedding: Buffer | null }) | undefined;
      if (!r) return undefined;
      // Copy: a BLOB's Buffer need not be 4-byte aligned for a Float32Array view.
      const embedding = r.embedding ? new Float32Array(new Uint8Array(r.embedding).buffer) : null;
      return { ...toRecord(r), embedding };
    },

    /** Newest first; optionally of one state and/or camera. */
    list(options: { state?: SampleState; camera?: string; sinceMs?: number; untilMs?: number; limit?: number } = {}): SampleRecord[] {
      const where = [
        options.state === undefined ? '' : 'state = @state', options.camera === undefined ? '' : 'camera = @camera',
        options.sinceMs === undefined ? '' : 'captured_at >= @sinceMs', options.untilMs === undefined ? '' : 'captured_at <= @untilMs',
      ].filter(Boolean);
      const sql = `SELECT ${COLUMNS} FROM samples ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT @limit`;
      return (db.prepare(sql).all({ state: options.state, camera: options.camera, sinceMs: options.sinceMs, untilMs: options.untilMs, limit: options.limit ?? -1 }) as Row[]).map(toRecord);
    },

    /** A camera's samples since a time, newest first (at most `limit`), with what it takes to score them again. */
    scoredSince(camera: string, sinceMs: number, limit: number): ScoredSampleRow[] {
      const rows = db
        .prepare('SELECT captured_at, score, state, reason, prior, embedding, backbone_id FROM samples WHERE camera = ? AND captured_at >= ? ORDER BY captured_at DESC LIMIT ?')
        .all(camera, sinceMs, limit) as Array<{ captured_at: number; score: number; state: SampleState; reason: string; prior: number | null; embedding: Buffer | null; backbone_id: string | null }>;
      return rows.map((r) => ({
        capturedAtMs: r.captured_at, score: r.score, state: r.state, reason: r.reason, prior: r.prior, backboneId: r.backbone_id,
        embedding: r.embedding ? new Float32Array(new Uint8Array(r.embedding).buffer) : null,
      }));
    },

    count(state?: SampleState): number {
      const r = (state ? db.prepare('SELECT COUNT(*) AS n FROM samples WHERE state = ?').get(state) : db.prepare('SELECT COUNT(*) AS n FROM samples').get()) as { n: number };
      return r.n;
    },

    totalBytes: () => totalBytes(ctx),

    /**
     * Sets the state of every id (one transaction); ids without a row are returned in `missing`. With `allOrNothing`
     * (the web UI), a missing id changes nothing and throws E_NOT_FOUND naming it.
     */
    label(ids: readonly number[], state: SampleState, options: { allOrNothing?: boolean } = {}): { updated: number; missing: number[] } {
      if (!isSampleState(state)) throw new CatwatchError('E_USAGE', `unknown sample state ${String(state)}: expected ${SAMPLE_STATES.join(', ')}`);
      const update = db.prepare('UPDATE samples SET state = ?, labelled_at = ? WHERE id = ?');
      const missing: number[] = [];
      const at = state === 'mined' ? null : now();
      db.transaction(() => {
        for (const id of ids) if (update.run(state, at, id).changes === 0) missing.push(id);
        // Throwing inside the transaction rolls back the rows already updated.
        if (options.allOrNothing && missing.length > 0) throw new CatwatchError('E_NOT_FOUND', `no sample ${missing.join(', ')}: nothing labelled`);
      })();
      return { updated: ids.length - missing.length, missing };
    },

    enforceQuota: (quotaMb: number) => enforceQuota(ctx, quotaMb),
    recover: () => recoverStore(ctx),
    integrityCheck: () => checkStoreIntegrity(ctx),
    export: (dir: string, options: { state?: SampleState } = {}) => exportSamples(ctx, dir, options),
  };
}

export type SampleStore = ReturnType<typeof createSampleStore>;
