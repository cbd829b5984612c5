/**
 * Synthetic negatives: a random quad-tree of flat-coloured squares. Each square is either one colour or splits into
 * four quadrants, recursively, while the quadrants stay at least `minBlockPx` on a side. Such images contain edges,
 * corners, flat regions and colour, but no object, so they teach the head what "not a target" looks like without
 * any photo. For sizes that are not a power of two the quadrants of an odd side differ by one pixel, so blocks are
 * near-squares (both sides >= minBlockPx).
 */
import type { RgbImage } from '../image/image.js';
import type { Rng } from '../util/rng.js';

export interface QuadtreeOptions {
  /** Smallest side of a block, in pixels (default 4). */
  readonly minBlockPx?: number;
  /**
   * Probability that a block at `depth` (root = 0) splits. Default: drawn per image, so a batch ranges from a few
   * big squares to fine detail: the root splits with probability 0.95, deeper blocks with a per-image p in
   * [0.3, 0.9] (p > 0.25 keeps the expected number of blocks growing with depth, p near 0.3 usually stops early).
   */
  readonly splitProbability?: number | ((depth: number, blockPx: number) => number);
}

export function quadtreeImage(rng: Rng, size: number, options: QuadtreeOptions = {}): RgbImage {
  const minBlockPx = options.minBlockPx ?? 4;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`size must be a positive integer, got ${size}`);
  if (!Number.isInteger(minBlockPx) || minBlockPx < 1) throw new RangeError(`minBlockPx must be a positive integer, got ${minBlockPx}`);
  const splitProbability = resolveSplitProbability(rng, options.splitProbability);
  const data = new Uint8Array(size * size * 3);

  const fill = (x0: number, y0: number, w: number, h: number) => {
    const r = rng.int(256);
    const g = rng.int(256);
    const b = rng.int(256);
    for (let y = y0; y < y0 + h; y++) {
      for (let x = x0, i = (y * size + x0) * 3; x < x0 + w; x++, i += 3) {
        data[i] = r;
        data[i + 1] = g;
        data[i + 2] = b;
      }
    }
  };

  // Depth-first with an explicit stack; children are pushed in reverse so they are visited top-left first, which
  // keeps the sequence of random draws (and so the image) a pure function of the seed.
  const stack: Array<[x: number, y: number, w: number, h: number, depth: number]> = [[0, 0, size, size, 0]];
  while (stack.length > 0) {
    const [x, y, w, h, depth] = stack.pop()!;
    const canSplit = Math.floor(Math.min(w, h) / 2) >= minBlockPx;
    if (!canSplit || rng.next() >= splitProbability(depth, Math.min(w, h))) {
      fill(x, y, w, h);
      continue;
    }
    const wl = Math.floor(w / 2);
    const ht = Math.floor(h / 2);
    stack.push(
      [x + wl, y + ht, w - wl, h - ht, depth + 1],
      [x, y + ht, wl, h - ht, depth + 1],
      [x + wl, y, w - wl, ht, depth + 1],
      [x, y, wl, ht, depth + 1],
    );
  }
  return { data, width: size, height: size };
}

function resolveSplitProbability(
  rng: Rng,
  option: QuadtreeOptions['splitProbability'],
): (depth: number, blockPx: number) => number {
  if (typeof option === 'function') return option;
  if (typeof option === 'number') {
    if (!(option >= 0 && option <= 1)) throw new RangeError(`splitProbability must be in [0, 1], got ${option}`);
    return () => option;
  }
  const deep = 0.3 + 0.6 * rng.next();
  return (depth) => (depth === 0 ? 0.95 : deep);
}
