/** A sample's kinds, the `samples` table's rows and their mapping to SampleRecord; shared by the store and its maintenance. */
import type { Db } from './database.js';
import type { NormBox, RgbImage } from '../image/image.js';
import { unlinkQuietly } from './sample-files.js';
import { join } from 'node:path';
import type { Logger } from '../util/log.js';

export const SAMPLE_STATES = ['mined', 'negative', 'positive', 'rejected'] as const;
export type SampleState = (typeof SAMPLE_STATES)[number];

export function isSampleState(value: unknown): value is SampleState {
  return typeof value === 'string' && (SAMPLE_STATES as readonly string[]).includes(value);
}

/** What a sample is about, whether it is being stored or was stored. */
interface SampleMeta {
  camera: string;
  capturedAtMs: number;
  score: number;
  reason: string;
  modelVersion: string | null;
  /** 16 hex digits (see mine/perceptual-hash.ts). */
  phash: string;
  backboneId: string | null;
  /** The backbone's prior for the crop (null: not known, rows from before it was stored). */
  prior?: number | null;
  /** Where the target was scored in the frame (null: not known). */
  box?: NormBox | null;
}

export interface NewSample extends SampleMeta {
  crop: RgbImage;
  frame: RgbImage;
  embedding: Float32Array | null;
}

export interface SampleRecord extends SampleMeta {
  id: number;
  /** Relative to dataDir. */
  cropFile: string;
  frameFile: string;
  bytes: number;
  state: SampleState;
  labelledAtMs: number | null;
}

/** A sample as the false-alarm budget sees it. */
export interface ScoredSampleRow {
  capturedAtMs: number;
  score: number;
  state: SampleState;
  reason: string;
  prior: number | null;
  embedding: Float32Array | null;
  backboneId: string | null;
}

export interface IntegrityReport { ok: boolean; problems: string[] }

export const COLUMNS = 'id, camera, captured_at, score, reason, model_version, phash, crop_file, frame_file, bytes, state, labelled_at, backbone_id, prior, box';

export interface Row {
  id: number; camera: string; captured_at: number; score: number; reason: string; model_version: string | null; phash: string;
  crop_file: string; frame_file: string; bytes: number; state: SampleState; labelled_at: number | null; backbone_id: string | null;
  prior: number | null; box: string | null;
}

export function toRecord(r: Row): SampleRecord {
  return {
    id: r.id, camera: r.camera, capturedAtMs: r.captured_at, score: r.score, reason: r.reason, modelVersion: r.model_version, phash: r.phash,
    cropFile: r.crop_file, frameFile: r.frame_file, bytes: r.bytes, state: r.state, labelledAtMs: r.labelled_at, backboneId: r.backbone_id,
    prior: r.prior, box: parseBox(r.box),
  };
}

/** A stored box, or null when absent or not a box (the column is ours, but a row must never break a listing). */
function parseBox(json: string | null): NormBox | null {
  if (json === null) return null;
  try {
    const b = JSON.parse(json) as NormBox;
    return [b.x, b.y, b.w, b.h].every((v) => typeof v === 'number' && Number.isFinite(v)) ? { x: b.x, y: b.y, w: b.w, h: b.h } : null;
  } catch {
    return null;
  }
}

/** What the store's maintenance functions work on. */
export interface StoreContext {
  db: Db;
  dataDir: string;
  samplesRoot: string;
  log: Logger;
  now: () => number;
}

export function allRows(ctx: StoreContext): Row[] {
  return ctx.db.prepare(`SELECT ${COLUMNS} FROM samples ORDER BY id`).all() as Row[];
}

export function totalBytes(ctx: StoreContext): number {
  return (ctx.db.prepare('SELECT COALESCE(SUM(bytes), 0) AS total FROM samples').get() as { total: number }).total;
}

/** Rows first (one transaction), then files: a crash in between only leaves orphans for recover(). */
export function removeSamples(ctx: StoreContext, rows: Array<Pick<Row, 'id' | 'crop_file' | 'frame_file'>>): void {
  const deleteRow = ctx.db.prepare('DELETE FROM samples WHERE id = ?');
  ctx.db.transaction(() => {
    for (const r of rows) deleteRow.run(r.id);
  })();
  for (const r of rows) {
    unlinkQuietly(join(ctx.dataDir, r.crop_file));
    unlinkQuietly(join(ctx.dataDir, r.frame_file));
  }
}
