/**
 * The sample store as training data: mined and confirmed-negative samples are negatives (subcategory `mined`)
 * unless a person rejected them; samples confirmed positive join the positives. Event frames train only once
 * labelled: unreviewed, an alert may well be the target.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DataItem } from './dataset.js';
import { openDatabase } from '../store/database.js';

export function loadStoreItems(dataDir: string): DataItem[] {
  if (!existsSync(join(dataDir, 'catwatch.db'))) return [];
  const db = openDatabase(dataDir);
  try {
    const rows = db
      .prepare("SELECT id, camera, captured_at, state, crop_file FROM samples WHERE state != 'rejected' AND (reason != 'event' OR state != 'mined') ORDER BY id")
      .all() as Array<{ id: number; camera: string; captured_at: number; state: string; crop_file: string }>;
    return rows
      .filter((r) => existsSync(join(dataDir, r.crop_file)))
      .map((r) => {
        const positive = r.state === 'positive';
        return {
          ref: join(dataDir, r.crop_file),
          label: positive ? 1 : 0,
          kind: positive ? 'confirmed-positive' : 'mined',
          subcategory: positive ? 'positive' : 'mined',
          group: `sample:${r.camera}:${r.id}`,
          capturedAtMs: r.captured_at,
          camera: r.camera,
          confirmed: r.state === 'negative' || r.state === 'positive',
        } satisfies DataItem;
      });
  } finally {
    db.close();
  }
}
