/**
 * Training data from every source, each item labelled with its source so the manifest counts them separately:
 * positives (the user's photos, plus samples a person confirmed as positive), negative folders (folder name =
 * subcategory; a folder of folders gives one subcategory per subfolder), mined samples (unless rejected) and
 * synthetic quad-tree images generated on the fly.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { listImages } from '../image/list-images.js';
import { allowedKinds, AUGMENT_KINDS, NEGATIVE_AUGMENT_KINDS } from './augment.js';
import { CAMERA_CONDITIONS, type CameraCondition } from '../image/camera-condition.js';
import { SYNTHETIC_KINDS } from './synthetic-images.js';
import { augmentedRef, parseAugmentedRef } from './augmented-ref.js';

export type SourceKind = 'positive' | 'confirmed-positive' | 'folder' | 'mined' | 'synthetic';

export interface DataItem {
  /** A file path, or `synthetic:<seed>`. */
  ref: string;
  label: 0 | 1;
  kind: SourceKind;
  /** Negative subcategory (folder name, `synthetic`, `mined`) or `positive`. */
  subcategory: string;
  /** Split group: items of one group never straddle train and validation (see groupKey). */
  group: string;
  /** Mined samples: capture time, for a time-ordered split per camera. */
  capturedAtMs?: number;
  camera?: string;
  /** Store samples a person labelled (negative or positive): measured by the gate. */
  confirmed?: boolean;
}

/**
 * The split group of a photo: its folder relative to the source root plus the file name up to its last "_" or "-"
 * when names carry the original collection (e.g. `intel_glacier_train_123.jpg` → `intel_glacier_train`). Photos
 * of one shoot or collection therefore stay on one side, so validation measures other sources, not near-copies.
 */
export function groupKey(root: string, file: string): string {
  const rel = relative(root, file);
  const dir = rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '.';
  const name = basename(file);
  const cut = Math.max(name.lastIndexOf('_'), name.lastIndexOf('-'));
  return `${dir}/${cut > 0 ? name.slice(0, cut) : name}`;
}

export function positiveItems(folder: string, kind: 'positive' | 'confirmed-positive' = 'positive'): DataItem[] {
  return listImages([folder]).map((file) => ({ ref: file, label: 1, kind, subcategory: 'positive', group: `pos:${groupKey(folder, file)}` }));
}

/** A folder of images → one subcategory (its name); a folder of folders → one subcategory per subfolder. */
export function negativeFolderItems(folder: string): DataItem[] {
  const subfolders = readdirSync(folder).filter((n) => !n.startsWith('.') && statSync(join(folder, n)).isDirectory());
  const direct = listImages([folder]).filter((f) => !f.slice(folder.length + 1).includes('/'));
  const items: DataItem[] = direct.map((file) => ({ ref: file, label: 0, kind: 'folder', subcategory: basename(folder), group: `neg:${groupKey(folder, file)}` }));
  for (const sub of subfolders) {
    const root = join(folder, sub);
    for (const file of listImages([root])) items.push({ ref: file, label: 0, kind: 'folder', subcategory: sub, group: `neg:${sub}:${groupKey(root, file)}` });
  }
  return items;
}

/**
 * `count` synthetic negatives: half quad-tree (`synthetic:<seed>`, the original kind), the rest spread over the
 * other kinds (`synthetic:<kind>:<seed>`), see synthetic-images.ts.
 */
export function syntheticItems(count: number, seedBase = 1): DataItem[] {
  const others = SYNTHETIC_KINDS.filter((k) => k !== 'quadtree');
  return Array.from({ length: count }, (_, i) => {
    const kind = i % 2 === 0 ? 'quadtree' : others[((i - 1) / 2) % others.length];
    return {
      ref: kind === 'quadtree' ? `synthetic:${seedBase + i}` : `synthetic:${kind}:${seedBase + i}`,
      label: 0 as const,
      kind: 'synthetic' as const,
      subcategory: 'synthetic',
      group: `synthetic:${kind}:${i % 10}`,
    };
  });
}

/** The source tag of an item for reports: a file name's prefix up to its first `_`, or the kind. */
/** The ref prefix of the close-up face photos that ship in an npm package (src/train/package-images.ts). */
export const PACKAGE_FACES_REF = 'package:human-faces:';

export function sourceTag(item: DataItem): string {
  if (item.kind === 'synthetic') return `synthetic-${item.ref.split(':').length === 3 ? item.ref.split(':')[1] : 'quadtree'}`;
  if (item.kind === 'mined' || item.kind === 'confirmed-positive') return item.confirmed ? 'confirmed' : 'mined';
  if (item.ref.startsWith('package:')) return 'npmfaces';
  const name = basename(parseAugmentedRef(item.ref).file);
  const cut = name.indexOf('_');
  return cut > 0 ? name.slice(0, cut) : 'user';
}

/**
 * Augmented copies of training positives as refs (`file#aug:<kind>:<n>`): deterministic per file, so their
 * embeddings are cached like any photo. Validation never gets these: it must measure real photos.
 */
export function augmentedCopies(items: readonly DataItem[], perPositive: number, conditions: readonly CameraCondition[]): DataItem[] {
  const kinds = allowedKinds(AUGMENT_KINDS, conditions);
  return items
    .filter((item) => item.label === 1 && !item.ref.startsWith(PACKAGE_FACES_REF))
    .flatMap((item) => Array.from({ length: perPositive }, (_, n) => ({ ...item, ref: augmentedRef(item.ref, kinds[(n + item.ref.length) % kinds.length], n) })));
}

/**
 * Heavily augmented copies of photo negatives (grey/IR-like, low light, blur, crop), one per `every` negatives:
 * what a camera does to a scene at night or out of focus must stay a negative.
 */
export function augmentedNegatives(items: readonly DataItem[], every: number, conditions: readonly CameraCondition[]): DataItem[] {
  if (every <= 0) return [];
  const kinds = allowedKinds(NEGATIVE_AUGMENT_KINDS, conditions);
  return items
    .filter((item) => item.label === 0 && item.kind === 'folder' && !item.ref.startsWith(PACKAGE_FACES_REF))
    .filter((_, i) => i % every === 0)
    .map((item, n) => ({ ...item, ref: augmentedRef(item.ref, kinds[(n + item.ref.length) % kinds.length], n) }));
}

/**
 * Each of `items` (photos) under each of `conditions`, for testing: copy 0 of every condition, so a photo's night
 * copy is the same in every fold, bench and gate that asks for it.
 */
export function conditionedCopies(items: readonly DataItem[], conditions: readonly CameraCondition[] = CAMERA_CONDITIONS): DataItem[] {
  return items.filter((item) => item.kind !== 'synthetic' && !item.ref.startsWith(PACKAGE_FACES_REF)).flatMap((item) => conditions.map((c) => ({ ...item, ref: augmentedRef(item.ref, c, 0) })));
}
