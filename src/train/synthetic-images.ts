/**
 * Synthetic negatives of several kinds, each deterministic in its seed (cacheable like photos): the quad-tree of
 * coloured squares (docs/architecture.md), pixel noise at a random grain, smooth colour fields (sky, walls, night), and
 * face-like drawings (a skin-toned oval with eyes and a mouth), which the backbone's prior rejects and a head trained
 * on close-up cat faces must not learn to accept.
 */
import type { RgbImage } from '../image/image.js';
import { quadtreeImage } from './quadtree-image.js';
import { createRng, type Rng } from '../util/rng.js';

export const SYNTHETIC_KINDS = ['quadtree', 'noise', 'field', 'face'] as const;
export type SyntheticKind = (typeof SYNTHETIC_KINDS)[number];

export function syntheticImage(kind: SyntheticKind, seed: number, size: number): RgbImage {
  const rng = createRng(seed);
  switch (kind) {
    case 'quadtree':
      return quadtreeImage(rng, size);
    case 'noise':
      return noiseImage(rng, size);
    case 'field':
      return fieldImage(rng, size);
    case 'face':
      return faceImage(rng, size);
  }
}

function blank(size: number): RgbImage {
  return { data: new Uint8Array(size * size * 3), width: size, height: size };
}

function put(img: RgbImage, x: number, y: number, rgb: readonly number[]): void {
  const i = (y * img.width + x) * 3;
  img.data[i] = rgb[0];
  img.data[i + 1] = rgb[1];
  img.data[i + 2] = rgb[2];
}

const clamp = (v: number): number => Math.max(0, Math.min(255, Math.round(v)));

/** Coloured or grey noise in blocks of 1-16 px. */
function noiseImage(rng: Rng, size: number): RgbImage {
  const img = blank(size);
  const grain = 1 + rng.int(16);
  const grey = rng.next() < 0.4;
  for (let by = 0; by < size; by += grain) {
    for (let bx = 0; bx < size; bx += grain) {
      const g = rng.int(256);
      const rgb = grey ? [g, g, g] : [rng.int(256), rng.int(256), rng.int(256)];
      for (let y = by; y < Math.min(size, by + grain); y++) for (let x = bx; x < Math.min(size, bx + grain); x++) put(img, x, y, rgb);
    }
  }
  return img;
}

/** A linear gradient between two colours at a random angle, with mild noise (walls, sky, dark night frames). */
function fieldImage(rng: Rng, size: number): RgbImage {
  const img = blank(size);
  const dark = rng.next() < 0.3 ? 0.15 : 1;
  const a = [rng.int(256), rng.int(256), rng.int(256)].map((v) => v * dark);
  const b = [rng.int(256), rng.int(256), rng.int(256)].map((v) => v * dark);
  const angle = rng.next() * Math.PI * 2;
  const [dx, dy] = [Math.cos(angle), Math.sin(angle)];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const t = Math.max(0, Math.min(1, 0.5 + ((x / size - 0.5) * dx + (y / size - 0.5) * dy)));
      const n = (rng.next() - 0.5) * 12;
      put(img, x, y, [0, 1, 2].map((c) => clamp(a[c] + (b[c] - a[c]) * t + n)));
    }
  }
  return img;
}

const SKIN = [[233, 190, 160], [198, 144, 110], [141, 98, 70], [90, 60, 45], [250, 215, 190]] as const;

/** A frontal face: oval, hair cap, two eyes with whites, eyebrows, nose shadow and a mouth, on a random background. */
function faceImage(rng: Rng, size: number): RgbImage {
  const img = fieldImage(rng, size);
  const skin = SKIN[rng.int(SKIN.length)];
  const hair = [rng.int(90), rng.int(70), rng.int(50)];
  const cx = size * (0.4 + 0.2 * rng.next());
  const cy = size * (0.45 + 0.1 * rng.next());
  const rx = size * (0.22 + 0.12 * rng.next());
  const ry = rx * (1.2 + 0.2 * rng.next());
  const inEllipse = (x: number, y: number, ex: number, ey: number, ax: number, ay: number): boolean => ((x - ex) / ax) ** 2 + ((y - ey) / ay) ** 2 <= 1;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (inEllipse(x, y, cx, cy - ry * 0.25, rx * 1.08, ry * 0.95) && y < cy - ry * 0.35) put(img, x, y, hair);
      else if (inEllipse(x, y, cx, cy, rx, ry)) {
        const shade = 1 - 0.25 * Math.abs(x - cx) / rx;
        put(img, x, y, skin.map((v) => clamp(v * shade)));
      }
    }
  }
  const eyeY = cy - ry * 0.15;
  for (const side of [-1, 1]) {
    const ex = cx + side * rx * 0.4;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        if (inEllipse(x, y, ex, eyeY, rx * 0.09, rx * 0.07)) put(img, x, y, [30, 25, 20]);
        else if (inEllipse(x, y, ex, eyeY, rx * 0.18, rx * 0.09)) put(img, x, y, [240, 240, 235]);
        else if (inEllipse(x, y, ex, eyeY - rx * 0.2, rx * 0.2, rx * 0.04)) put(img, x, y, hair);
      }
    }
  }
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (inEllipse(x, y, cx, cy + ry * 0.12, rx * 0.06, ry * 0.16)) put(img, x, y, skin.map((v) => clamp(v * 0.8)));
      if (inEllipse(x, y, cx, cy + ry * 0.45, rx * 0.3, ry * 0.06)) put(img, x, y, [150, 60, 60]);
    }
  }
  return img;
}
