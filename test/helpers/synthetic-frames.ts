/** Synthetic 640x360 frames for the motion tests: a fixed textured scene, sensor noise, white squares. */
import { configSchema, type MotionConfig } from '../../src/config/schema.js';
import type { NormBox, RgbImage } from '../../src/image/image.js';

export const W = 640;
export const H = 360;

export function motionConfig(fields: Record<string, unknown> = {}): MotionConfig {
  return configSchema.parse({ cameras: [{ name: 'yard', url: '/v.mp4', motion: fields }] }).cameras[0].motion;
}

/** Deterministic pseudo-random generator (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A textured scene (smooth gradients plus fine texture), the same every call. */
export const background = (() => {
  const r = rng(1);
  const data = new Uint8Array(W * H * 3);
  for (let y = 0; y < H; y += 1) {
    for (let x = 0; x < W; x += 1) {
      const base = 60 + 60 * Math.sin(x / 37) * Math.cos(y / 23) + 40 * r();
      const p = (y * W + x) * 3;
      data[p] = base + 20;
      data[p + 1] = base + 10;
      data[p + 2] = base;
    }
  }
  return data;
})();

/** The scene plus sensor noise (±`noise` levels) and white squares at the given pixel boxes. */
export function frame(squares: Array<{ x: number; y: number; size: number }>, noise = 4, seed = 2): RgbImage {
  const r = rng(seed);
  const data = new Uint8Array(background.length);
  for (let i = 0; i < data.length; i += 1) data[i] = Math.max(0, Math.min(255, background[i] + Math.round((r() * 2 - 1) * noise)));
  for (const s of squares) {
    for (let y = s.y; y < s.y + s.size; y += 1) data.fill(240, (y * W + s.x) * 3, (y * W + s.x + s.size) * 3);
  }
  return { data, width: W, height: H };
}

export function contains(outer: NormBox, x: number, y: number, size: number): boolean {
  const eps = 1e-9;
  return (
    outer.x * W <= x + eps && outer.y * H <= y + eps &&
    (outer.x + outer.w) * W >= x + size - eps && (outer.y + outer.h) * H >= y + size - eps
  );
}

