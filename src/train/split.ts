/**
 * The source-aware train/validation split. Whole groups (see dataset.groupKey) go to one side, chosen by a hash of
 * the group name, so the split is stable across runs (validation is a frozen set as long as the data is) and
 * validation measures unseen sources. Each subcategory is split on its own; one with too few groups falls back to
 * a per-file hash. Mined samples are
 * split by time per camera (the newest share to validation), never shuffled, so near-identical consecutive frames
 * cannot sit on both sides.
 */
import { createHash } from 'node:crypto';
import type { DataItem } from './dataset.js';

export interface Split { train: DataItem[]; val: DataItem[] }

function unit(text: string): number {
  return createHash('sha1').update(text).digest().readUInt32BE(0) / 2 ** 32;
}

const MIN_GROUPS = 5;

export function splitItems(items: readonly DataItem[], valFraction: number): Split {
  const train: DataItem[] = [];
  const val: DataItem[] = [];
  const mined = items.filter((i) => i.kind === 'mined');
  const rest = items.filter((i) => i.kind !== 'mined');

  // Per class and subcategory (so every subcategory is measured): group-level split when there are enough
  // groups, else file-level.
  const strata = new Map<string, DataItem[]>();
  for (const item of rest) {
    const key = `${item.label}:${item.subcategory}`;
    const list = strata.get(key);
    if (list) list.push(item);
    else strata.set(key, [item]);
  }
  for (const ofStratum of strata.values()) {
    const byGroup = new Set(ofStratum.map((i) => i.group)).size >= MIN_GROUPS;
    for (const item of ofStratum) (unit(byGroup ? item.group : item.ref) < valFraction ? val : train).push(item);
  }

  const byCamera = new Map<string, DataItem[]>();
  for (const m of mined) {
    const list = byCamera.get(m.camera ?? '');
    if (list) list.push(m);
    else byCamera.set(m.camera ?? '', [m]);
  }
  for (const list of byCamera.values()) {
    list.sort((a, b) => (a.capturedAtMs ?? 0) - (b.capturedAtMs ?? 0));
    const cut = Math.floor(list.length * (1 - valFraction));
    train.push(...list.slice(0, cut));
    val.push(...list.slice(cut));
  }
  return { train, val };
}
