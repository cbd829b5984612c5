/**
 * The role of each dev photo in the bundled model (see bundle-model.ts): whole sources `oxpet` and `imagenetsample`
 * plus a fixed hash share of the single-source subcategories are `reference` (never trained on); the rest `train`.
 */
import { createHash } from 'node:crypto';
import { sourceTag, type DataItem } from '../src/train/dataset.js';
import type { ShippedRole } from '../src/train/shipped-dataset.js';

export const REFERENCE_SOURCES = new Set(['oxpet', 'imagenetsample']);
/** Share of a single-source subcategory held out by file hash. */
const REFERENCE_SHARE: Record<string, number> = { positive: 0.15, dog: 0.25, person: 0.25 };
/** Sources split half and half: a few real close-up faces train, the others are measured. */
const SOURCE_SHARE: Record<string, number> = { npmfaces: 0.5 };

export function devRole(item: DataItem): ShippedRole {
  if (REFERENCE_SOURCES.has(sourceTag(item))) return 'reference';
  const share = SOURCE_SHARE[sourceTag(item)] ?? REFERENCE_SHARE[item.subcategory] ?? 0;
  const name = item.ref.split('#aug:')[0].split('/').pop() ?? item.ref;
  const unit = createHash('sha1').update(name).digest().readUInt32BE(0) / 2 ** 32;
  return unit < share ? 'reference' : 'train';
}

