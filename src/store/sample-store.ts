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
import { existsSync, statSync, unlinkSync } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { RgbImage } from '../image/image.js';
import { CatwatchError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import type { Db } from './database.js';
import { encodeJpeg, fsyncDirAsync, unlinkQuietly, walkFiles, writeDurable } from './sample-files.js';

export const SAMPLE_STATES = ['mined', 'negative', 'positive', 'rejected'] as const;
export type SampleState = (typeof SAMPLE_STATES)[number];

export function isSampleState(value: unknown): value is SampleState {
  return typeof value === 'string' && (SAMPLE_STATES as readonly string[]).includes(value);
}

export interface NewSample {
  camera: string;
  capturedAtMs: number;
  score: number;
  reason: string;
  modelVersion: string | null;
  /** 16 hex digits (see mine/perceptual-hash.ts). */
  phash: string;
  crop: RgbImage;
  frame: RgbImage;
  embedding: Float32Array | null;
  backboneId: string | null;
}

export interface SampleRecord {
  id: number;
  camera: string;
  capturedAtMs: number;
  score: number;
  reason: string;
  modelVersion: string | null;
  phash: string;
  /** Relative to dataDir. */
  cropFile: string;
  frameFile: string;
  bytes: number;
  state: SampleState;
  labelledAtMs: number | null;
  backboneId: string | null;
}

export interface SampleStoreDeps {
  db: Db;
  dataDir: string;
  log: Logger;
  now?: () => number;
  jpegQuality?: number;
}

export interface IntegrityReport { ok: boolean; problems: string[] }

const BYTES_PER_MB = 1024 * 1024;
const CAMERA_DIR = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const COLUMNS = 'id, camera, captured_at, score, reason, model_version, phash, crop_file, frame_file, bytes, state, labelled_at, backbone_id';

interface Row {
  id: number; camera: string; captured_at: number; score: number; reason: string; model_version: string | null; phash: string;
  crop_file: string; frame_file: string; bytes: number; state: SampleState; labelled_at: number | null; backbone_id: string | null;
}

function toRecord(r: Row): SampleRecord {
  return {
    id: r.id, camera: r.camera, capturedAtMs: r.captured_at, score: r.score, reason: r.reason, modelVersion: r.model_version, phash: r.phash,
    cropFile: r.crop_file, frameFile: r.frame_file, bytes: r.bytes, state: r.state, labelledAtMs: r.labelled_at, backboneId: r.backbone_id,
  };
}

export function createSampleStore(deps: SampleStoreDeps) {
  const { db, dataDir } = deps;
  const log = deps.log.child({ component: 'sample-store' });
  const now = deps.now ?? Date.now;
  const quality = deps.jpegQuality ?? 85;
  const samplesRoot = join(dataDir, 'samples');
  let nextId: number | undefined;

  const insert = db.prepare(`INSERT INTO samples (id, camera, captured_at, score, reason, model_version, phash, crop_file, frame_file, bytes, embedding, backbone_id)
    VALUES (@id, @camera, @captured_at, @score, @reason, @model_version, @phash, @crop_file, @frame_file, @bytes, @embedding, @backbone_id)`);
  const selectAll = db.prepare(`SELECT ${COLUMNS} FROM samples ORDER BY id`);
  const deleteRow = db.prepare('DELETE FROM samples WHERE id = ?');

  function allocateId(): number {
    if (nextId === undefined) {
      const seq = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'samples'").get() as { seq: number } | undefined;
      const max = db.prepare('SELECT MAX(id) AS id FROM samples').get() as { id: number | null };
      nextId = Math.max(seq?.seq ?? 0, max.id ?? 0) + 1;
    }
    return nextId++;
  }

  /** Rows first (one transaction), then files: a crash in between only leaves orphans for recover(). */
  function remove(rows: Array<Pick<Row, 'id' | 'crop_file' | 'frame_file'>>): void {
    db.transaction(() => {
      for (const r of rows) deleteRow.run(r.id);
    })();
    for (const r of rows) {
      unlinkQuietly(join(dataDir, r.crop_file));
      unlinkQuietly(join(dataDir, r.frame_file));
    }
  }

  function totalBytes(): number {
    return (db.prepare('SELECT COALESCE(SUM(bytes), 0) AS total FROM samples').get() as { total: number }).total;
  }

  return {
    async add(sample: NewSample): Promise<SampleRecord> {
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
    },

    get(id: number): (SampleRecord & { embedding: Float32Array | null }) | undefined {
      const r = db.prepare(`SELECT ${COLUMNS}, embedding FROM samples WHERE id = ?`).get(id) as (Row & { embedding: Buffer | null }) | undefined;
      if (!r) return undefined;
      // Copy: a BLOB's Buffer need not be 4-byte aligned for a Float32Array view.
      const embedding = r.embedding ? new Float32Array(new Uint8Array(r.embedding).buffer) : null;
      return { ...toRecord(r), embedding };
    },

    /** Newest first. */
    list(options: { state?: SampleState; limit?: number } = {}): SampleRecord[] {
      const limit = options.limit ?? -1;
      const rows = options.state
        ? db.prepare(`SELECT ${COLUMNS} FROM samples WHERE state = ? ORDER BY id DESC LIMIT ?`).all(options.state, limit)
        : db.prepare(`SELECT ${COLUMNS} FROM samples ORDER BY id DESC LIMIT ?`).all(limit);
      return (rows as Row[]).map(toRecord);
    },

    count(state?: SampleState): number {
      const r = (state ? db.prepare('SELECT COUNT(*) AS n FROM samples WHERE state = ?').get(state) : db.prepare('SELECT COUNT(*) AS n FROM samples').get()) as { n: number };
      return r.n;
    },

    totalBytes,

    /** Sets the state of every id (one transaction); ids without a row are returned in `missing`. */
    label(ids: readonly number[], state: SampleState): { updated: number; missing: number[] } {
      if (!isSampleState(state)) throw new CatwatchError('E_USAGE', `unknown sample state ${String(state)}: expected ${SAMPLE_STATES.join(', ')}`);
      const update = db.prepare('UPDATE samples SET state = ?, labelled_at = ? WHERE id = ?');
      const missing: number[] = [];
      const at = state === 'mined' ? null : now();
      db.transaction(() => {
        for (const id of ids) if (update.run(state, at, id).changes === 0) missing.push(id);
      })();
      return { updated: ids.length - missing.length, missing };
    },

    /**
     * Deletes samples until the store holds at most quotaMb (MiB): oldest unreviewed (`mined`) first, then `rejected`
     * (useless to training). Confirmed labels are a person's work and are never deleted for space.
     */
    enforceQuota(quotaMb: number): { deleted: number; freedBytes: number; totalBytes: number } {
      const limit = quotaMb * BYTES_PER_MB;
      let total = totalBytes();
      if (total <= limit) return { deleted: 0, freedBytes: 0, totalBytes: total };
      const victims: Array<Pick<Row, 'id' | 'crop_file' | 'frame_file'>> = [];
      let freed = 0;
      const candidates = db.prepare(`SELECT id, crop_file, frame_file, bytes FROM samples WHERE state IN ('mined', 'rejected')
        ORDER BY CASE state WHEN 'mined' THEN 0 ELSE 1 END, captured_at, id`);
      for (const r of candidates.iterate() as IterableIterator<Pick<Row, 'id' | 'crop_file' | 'frame_file' | 'bytes'>>) {
        if (total - freed <= limit) break;
        victims.push(r);
        freed += r.bytes;
      }
      remove(victims);
      total -= freed;
      if (victims.length > 0) log.info({ deleted: victims.length, freedBytes: freed, totalBytes: total, quotaMb }, 'sample quota enforced');
      if (total > limit) log.warn({ totalBytes: total, quotaMb }, 'sample store over quota with only labelled samples left');
      return { deleted: victims.length, freedBytes: freed, totalBytes: total };
    },

    /** Brings files and rows back in line after a crash; run before any add, with no other writer. */
    recover(): { tempFiles: number; orphanFiles: number; missingRows: number[] } {
      const rows = selectAll.all() as Row[];
      const known = new Set(rows.flatMap((r) => [r.crop_file, r.frame_file]));
      let tempFiles = 0;
      let orphanFiles = 0;
      for (const file of walkFiles(samplesRoot, dataDir, false)) {
        if (file.endsWith('.tmp')) tempFiles++;
        else if (!known.has(file)) orphanFiles++;
        else continue;
        unlinkSync(join(dataDir, file));
      }
      const broken = rows.filter((r) => !existsSync(join(dataDir, r.crop_file)) || !existsSync(join(dataDir, r.frame_file)));
      remove(broken);
      walkFiles(samplesRoot, dataDir, true);
      const missingRows = broken.map((r) => r.id);
      if (missingRows.length > 0) log.warn({ ids: missingRows }, 'sample rows without their files were deleted');
      if (tempFiles + orphanFiles > 0) log.info({ tempFiles, orphanFiles }, 'sample files without a row were deleted');
      return { tempFiles, orphanFiles, missingRows };
    },

    /** SQLite's own check plus row↔file consistency: every row's files exist with the bytes it counts, once each. */
    integrityCheck(): IntegrityReport {
      const problems = (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check).filter((m) => m !== 'ok');
      const referenced = new Map<string, number>();
      for (const r of selectAll.all() as Row[]) {
        let size = 0;
        for (const file of [r.crop_file, r.frame_file]) {
          const other = referenced.get(file);
          if (other !== undefined) problems.push(`sample ${r.id}: ${file} is also counted by sample ${other}`);
          referenced.set(file, r.id);
          if (existsSync(join(dataDir, file))) size += statSync(join(dataDir, file)).size;
          else problems.push(`sample ${r.id}: ${file} is missing`);
        }
        if (size !== r.bytes) problems.push(`sample ${r.id}: files hold ${size} bytes, the row counts ${r.bytes}`);
      }
      for (const file of walkFiles(samplesRoot, dataDir, false)) {
        if (file.endsWith('.tmp')) problems.push(`temp file left: ${file}`);
        else if (!referenced.has(file)) problems.push(`file without a row: ${file}`);
      }
      return { ok: problems.length === 0, problems };
    },

    /** Copies each crop to `<dir>/<state>/<id>.jpg` and writes `<dir>/index.json` describing them. */
    async export(dir: string, options: { state?: SampleState } = {}): Promise<{ exported: number; skipped: number[] }> {
      const rows = (options.state ? db.prepare(`SELECT ${COLUMNS} FROM samples WHERE state = ? ORDER BY id`).all(options.state) : selectAll.all()) as Row[];
      const index: Array<SampleRecord & { file: string }> = [];
      const skipped: number[] = [];
      for (const r of rows) {
        const file = `${r.state}/${r.id}.jpg`;
        await mkdir(join(dir, r.state), { recursive: true });
        try {
          await copyFile(join(dataDir, r.crop_file), join(dir, file));
        } catch (err) {
          // The service's quota may delete a sample while we copy: leave it out, say so.
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
          skipped.push(r.id);
          continue;
        }
        index.push({ ...toRecord(r), file });
      }
      await writeFile(join(dir, 'index.json'), `${JSON.stringify({ exportedAtMs: now(), samples: index }, null, 2)}\n`);
      return { exported: index.length, skipped };
    },
  };
}

export type SampleStore = ReturnType<typeof createSampleStore>;
