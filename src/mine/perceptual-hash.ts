/**
 * 64-bit difference hash (dHash) of an RGB image, for spotting near-duplicate mined samples. The image is reduced to
 * a 9x8 grey grid by area averaging (every source pixel counts, so sensor noise and JPEG artefacts average out, and a
 * small shift or brightness change moves few bits); bit i is set when a cell is brighter than its right neighbour.
 * Brightness and contrast changes that keep the ordering of neighbouring cells keep the hash.
 */
import type { RgbImage } from '../image/image.js';

const GRID_W = 9;
const GRID_H = 8;

/** Mean grey level (ITU-R BT.601 luma) of each cell of a GRID_W x GRID_H grid laid over the image. */
function greyGrid(img: RgbImage): Float64Array {
  if (img.width < 1 || img.height < 1 || img.data.length < img.width * img.height * 3) {
    throw new RangeError(`not an RGB image: ${img.width}x${img.height} with ${img.data.length} bytes`);
  }
  const sums = new Float64Array(GRID_W * GRID_H);
  const counts = new Float64Array(GRID_W * GRID_H);
  const cellOfX = new Int32Array(img.width);
  for (let x = 0; x < img.width; x++) cellOfX[x] = Math.min(GRID_W - 1, Math.floor((x * GRID_W) / img.width));
  const { data, width } = img;
  for (let y = 0; y < img.height; y++) {
    const rowCell = Math.min(GRID_H - 1, Math.floor((y * GRID_H) / img.height)) * GRID_W;
    let p = y * width * 3;
    for (let x = 0; x < width; x++, p += 3) {
      const cell = rowCell + cellOfX[x];
      sums[cell] += 0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2];
      counts[cell] += 1;
    }
  }
  // An image narrower than 9 or shorter than 8 pixels leaves cells empty: they repeat their left neighbour.
  for (let i = 0; i < sums.length; i++) sums[i] = counts[i] > 0 ? sums[i] / counts[i] : i % GRID_W > 0 ? sums[i - 1] : 0;
  return sums;
}

/** The 64-bit dHash; bit (row * 8 + col) compares cell (col, row) with cell (col + 1, row). */
export function dHash(img: RgbImage): bigint {
  const grid = greyGrid(img);
  let hash = 0n;
  for (let row = 0; row < GRID_H; row++) {
    for (let col = 0; col < GRID_W - 1; col++) {
      if (grid[row * GRID_W + col] > grid[row * GRID_W + col + 1]) hash |= 1n << BigInt(row * (GRID_W - 1) + col);
    }
  }
  return hash;
}

/** Number of differing bits between two 64-bit hashes (0..64). */
export function hammingDistance(a: bigint, b: bigint): number {
  let x = BigInt.asUintN(64, a ^ b);
  let bits = 0;
  while (x !== 0n) {
    x &= x - 1n;
    bits++;
  }
  return bits;
}

/** 16 lower-case hex digits, as stored in the `samples.phash` column. */
export function hashToHex(hash: bigint): string {
  return BigInt.asUintN(64, hash).toString(16).padStart(16, '0');
}

export function hashFromHex(hex: string): bigint {
  if (!/^[0-9a-f]{16}$/.test(hex)) throw new RangeError(`not a 64-bit hex hash: ${hex}`);
  return BigInt(`0x${hex}`);
}
