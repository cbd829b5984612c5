/**
 * Motion masks rasterised onto the small grey grid: rectangles and polygons (normalised coordinates), 1 where motion
 * is ignored. A pixel is masked when its centre lies inside a polygon, or when it overlaps a rectangle at all
 * (generous, so blur does not leak motion out of a rectangle drawn tight around a timestamp).
 */
import type { MotionConfig } from '../config/schema.js';

type Mask = MotionConfig['masks'][number];

export function maskBitmap(masks: readonly Mask[], width: number, height: number): Uint8Array {
  const bitmap = new Uint8Array(width * height);
  for (const m of masks) {
    if ('points' in m) fillPolygon(bitmap, m.points, width, height);
    else fillRect(bitmap, m, width, height);
  }
  return bitmap;
}

function fillRect(bitmap: Uint8Array, m: { x: number; y: number; w: number; h: number }, width: number, height: number): void {
  const x0 = Math.max(0, Math.floor(m.x * width));
  const y0 = Math.max(0, Math.floor(m.y * height));
  const x1 = Math.min(width, Math.ceil((m.x + m.w) * width));
  const y1 = Math.min(height, Math.ceil((m.y + m.h) * height));
  for (let y = y0; y < y1; y += 1) bitmap.fill(1, y * width + x0, y * width + x1);
}

/** Even-odd scanline fill: for each row, the crossings of the row's centre line with the polygon's edges. */
function fillPolygon(bitmap: Uint8Array, points: readonly (readonly [number, number])[], width: number, height: number): void {
  const px = points.map(([x, y]) => [x * width, y * height] as const);
  for (let y = 0; y < height; y += 1) {
    const cy = y + 0.5;
    const crossings: number[] = [];
    for (let i = 0, j = px.length - 1; i < px.length; j = i, i += 1) {
      const [xi, yi] = px[i];
      const [xj, yj] = px[j];
      if ((yi <= cy) !== (yj <= cy)) crossings.push(xi + ((cy - yi) / (yj - yi)) * (xj - xi));
    }
    crossings.sort((a, b) => a - b);
    for (let k = 0; k + 1 < crossings.length; k += 2) {
      const x0 = Math.max(0, Math.ceil(crossings[k] - 0.5));
      const x1 = Math.min(width, Math.ceil(crossings[k + 1] - 0.5));
      if (x1 > x0) bitmap.fill(1, y * width + x0, y * width + x1);
    }
  }
}
