/**
 * The training set a bundled model was built from, shipped with it as basis coordinates (not photos):
 * `models/<bundled>/dataset.bin`. Every retraining starts from it, so what the bundled model knew about dogs, people,
 * scenes and objects is never lost to a few mined frames, and its `reference` items (whole sources the bundled model
 * never trained on) are the fixed set every candidate and the current model are measured on.
 *
 * Roles: `train` items train heads; `reference` items never do. A reference item's hash decides its half:
 * `calibration` (fits the combiner and the threshold) or `gate` (decides whether a candidate becomes current).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { packInt8Columns, unpackInt8Columns } from '../model/packed-array.js';
import { CatwatchError } from '../util/errors.js';
import type { CoordSample } from './coord-sample.js';
import { isCameraCondition, type CameraCondition } from '../image/camera-condition.js';

export type ShippedRole = 'train' | 'reference';

export interface ShippedItem extends CoordSample {
  readonly role: ShippedRole;
  /** First 16 hex digits of the sha256 of the photo's bytes (the embedding cache key). */
  readonly hash: string;
}

export interface ShippedDataset {
  readonly backboneId: string;
  readonly basisId: string;
  readonly items: readonly ShippedItem[];
}

/** Header of the binary file; the arrays follow it in this order. v2 adds the condition column; v1 files still load. */
interface DatasetHeader {
  format: 'catwatch-dataset/v1' | 'catwatch-dataset/v2';
  backboneId: string;
  basisId: string;
  count: number;
  dim: number;
  /** Per column of the int8 coordinates. */
  scale: number[];
  /** Names that the subcategory, source and role indexes point at. */
  names: string[];
}

export const DATASET_FILE = 'dataset.bin';
/** Beside it: `conditions/<condition>.bin`, the reference photos under each camera condition. */
export const CONDITIONS_DIR = 'conditions';
/** The condition column's name for a photo as it is. */
const CLEAN = 'clean';

function conditionOf(name: string): { condition?: CameraCondition } {
  if (name === CLEAN) return {};
  if (!isCameraCondition(name)) throw new Error(`unknown camera condition ${name}`);
  return { condition: name };
}

export function referenceHalf(hash: string): 'calibration' | 'gate' {
  return parseInt(hash[0], 16) < 8 ? 'calibration' : 'gate';
}

/** 16 hex digits naming an item: the sha256 prefix of a photo (its cache key), or of any other cache key. */
export function itemHash(cacheKey: string): string {
  return /^[0-9a-f]{64}$/.test(cacheKey) ? cacheKey.slice(0, 16) : createHash('sha256').update(cacheKey).digest('hex').slice(0, 16);
}

/**
 * Binary layout (little-endian): uint32 header length, header JSON, then int8 coords (count x dim), float32 priors,
 * uint8 labels, uint16 subcategory / source / role (/ condition, v2) indexes, 8-byte hashes. Binary because the set is a few thousand
 * rows of 128 coordinates: JSON with base64 would be a third larger.
 */
export function encodeShippedDataset(dataset: ShippedDataset): Buffer {
  const items = dataset.items;
  const dim = items[0]?.coords.length ?? 0;
  const coords = new Float32Array(items.length * dim);
  items.forEach((it, i) => coords.set(it.coords, i * dim));
  const packed = packInt8Columns(coords, items.length, dim);
  const names: string[] = [];
  const index = (name: string): number => {
    const i = names.indexOf(name);
    return i >= 0 ? i : names.push(name) - 1;
  };
  const u16 = (values: number[]): Buffer => Buffer.from(Uint16Array.from(values).buffer);
  // Photos only: the v1 layout, without a condition column.
  const withConditions = items.some((i) => i.condition !== undefined);
  const body = [
    Buffer.from(packed.base64, 'base64'),
    Buffer.from(Float32Array.from(items.map((i) => i.prior)).buffer),
    Buffer.from(Uint8Array.from(items.map((i) => i.label))),
    u16(items.map((i) => index(i.subcategory))),
    u16(items.map((i) => index(i.source))),
    u16(items.map((i) => index(i.role))),
    ...(withConditions ? [u16(items.map((i) => index(i.condition ?? CLEAN)))] : []),
    Buffer.from(items.map((i) => i.hash).join(''), 'hex'),
  ];
  const header: DatasetHeader = { format: withConditions ? 'catwatch-dataset/v2' : 'catwatch-dataset/v1', backboneId: dataset.backboneId, basisId: dataset.basisId, count: items.length, dim, scale: packed.scale, names };
  const headerBytes = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(headerBytes.length);
  return Buffer.concat([length, headerBytes, ...body]);
}

export function decodeShippedDataset(bytes: Buffer, what: string): ShippedDataset {
  try {
    const headerLength = bytes.readUInt32LE(0);
    const header = JSON.parse(bytes.subarray(4, 4 + headerLength).toString('utf8')) as DatasetHeader;
    if (header.format !== 'catwatch-dataset/v1' && header.format !== 'catwatch-dataset/v2') throw new Error('unknown format');
    const { count: n, dim } = header;
    let at = 4 + headerLength;
    const take = (size: number): Buffer => {
      if (at + size > bytes.length) throw new Error('file is truncated');
      const part = Buffer.from(bytes.subarray(at, at + size)); // a copy: aligned for typed-array views
      at += size;
      return part;
    };
    const coords = unpackInt8Columns({ dtype: 'int8-columns', rows: n, columns: dim, scale: header.scale, base64: take(n * dim).toString('base64') }, 'coords');
    const priorBytes = take(n * 4);
    const priors = new Float32Array(priorBytes.buffer, priorBytes.byteOffset, n);
    const labels = take(n);
    const u16 = (): Uint16Array => {
      const b = take(n * 2);
      return new Uint16Array(b.buffer, b.byteOffset, n);
    };
    const [subcategories, sources, roles] = [u16(), u16(), u16()];
    const conditions = header.format === 'catwatch-dataset/v2' ? u16() : undefined;
    const hashes = take(n * 8).toString('hex');
    if (at !== bytes.length) throw new Error('trailing bytes');
    const items: ShippedItem[] = Array.from({ length: n }, (_, i) => ({
      coords: coords.slice(i * dim, (i + 1) * dim),
      prior: priors[i],
      label: labels[i] === 1 ? 1 : 0,
      subcategory: header.names[subcategories[i]],
      source: header.names[sources[i]],
      role: header.names[roles[i]] as ShippedRole,
      hash: hashes.slice(i * 16, (i + 1) * 16),
      ...conditionOf(conditions ? header.names[conditions[i]] : CLEAN),
    }));
    return { backboneId: header.backboneId, basisId: header.basisId, items };
  } catch (err) {
    throw new CatwatchError('E_MODEL_INVALID', `${what} cannot be read: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * The shipped dataset of a bundled model folder, or undefined when it ships none: `dataset.bin` (the photos) plus
 * `conditions/<condition>.bin` when present (the reference photos under one camera condition each; a file per
 * condition keeps the training set's file as it was and lets one condition be rebuilt alone).
 */
export function loadShippedDataset(bundledModelDir: string): ShippedDataset | undefined {
  const file = join(bundledModelDir, DATASET_FILE);
  if (!existsSync(file)) return undefined;
  const dataset = decodeShippedDataset(readFileSync(file), file);
  const dir = join(bundledModelDir, CONDITIONS_DIR);
  if (!existsSync(dir)) return dataset;
  const copies = readdirSync(dir).filter((f) => f.endsWith('.bin')).sort().flatMap((name) => {
    const part = decodeShippedDataset(readFileSync(join(dir, name)), join(dir, name));
    if (part.basisId !== dataset.basisId || part.backboneId !== dataset.backboneId) {
      throw new CatwatchError('E_MODEL_INVALID', `${join(dir, name)} was made for another basis or backbone than ${file}`);
    }
    return part.items;
  });
  return { ...dataset, items: [...dataset.items, ...copies] };
}
