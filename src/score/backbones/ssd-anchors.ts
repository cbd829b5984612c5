/**
 * SSD anchor generation and box decoding, ported from MediaPipe's `SsdAnchorsCalculator` and
 * `TensorsToDetectionsCalculator` so that a raw SSD model (box encodings + class logits, no post-processing op)
 * can be decoded exactly as the MediaPipe graph that ships the model decodes it.
 */
import type { NormBox } from '../../image/image.js';

export interface SsdAnchorOptions {
  readonly inputWidth: number;
  readonly inputHeight: number;
  readonly minScale: number;
  readonly maxScale: number;
  readonly anchorOffsetX: number;
  readonly anchorOffsetY: number;
  /** One stride per layer; consecutive layers with the same stride share one feature map. */
  readonly strides: readonly number[];
  readonly aspectRatios: readonly number[];
  /** The lowest layer gets only 3 boxes (scale 0.1 at ratio 1, and ratios 2 and 0.5). */
  readonly reduceBoxesInLowestLayer: boolean;
  /** Extra box per cell at scale sqrt(s_i * s_{i+1}) with this ratio; 0 disables it. */
  readonly interpolatedScaleAspectRatio: number;
}

export interface BoxCoderScales {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

/** Anchors packed as [yCenter, xCenter, h, w] per anchor, normalised to the input size. */
export interface SsdAnchors {
  readonly count: number;
  readonly data: Float32Array;
}

function layerScale(minScale: number, maxScale: number, index: number, count: number): number {
  return count === 1 ? (minScale + maxScale) / 2 : minScale + ((maxScale - minScale) * index) / (count - 1);
}

export function generateSsdAnchors(opts: SsdAnchorOptions): SsdAnchors {
  const out: number[] = [];
  const layers = opts.strides.length;
  let layer = 0;
  while (layer < layers) {
    const ratios: number[] = [];
    const scales: number[] = [];
    let last = layer;
    while (last < layers && opts.strides[last] === opts.strides[layer]) {
      const scale = layerScale(opts.minScale, opts.maxScale, last, layers);
      if (last === 0 && opts.reduceBoxesInLowestLayer) {
        ratios.push(1, 2, 0.5);
        scales.push(0.1, scale, scale);
      } else {
        for (const ratio of opts.aspectRatios) {
          ratios.push(ratio);
          scales.push(scale);
        }
        if (opts.interpolatedScaleAspectRatio > 0) {
          const next = last === layers - 1 ? 1 : layerScale(opts.minScale, opts.maxScale, last + 1, layers);
          scales.push(Math.sqrt(scale * next));
          ratios.push(opts.interpolatedScaleAspectRatio);
        }
      }
      last++;
    }
    const heights = ratios.map((r, i) => scales[i] / Math.sqrt(r));
    const widths = ratios.map((r, i) => scales[i] * Math.sqrt(r));
    const stride = opts.strides[layer];
    const mapHeight = Math.ceil(opts.inputHeight / stride);
    const mapWidth = Math.ceil(opts.inputWidth / stride);
    for (let y = 0; y < mapHeight; y++) {
      for (let x = 0; x < mapWidth; x++) {
        for (let a = 0; a < ratios.length; a++) {
          out.push((y + opts.anchorOffsetY) / mapHeight, (x + opts.anchorOffsetX) / mapWidth, heights[a], widths[a]);
        }
      }
    }
    layer = last;
  }
  return { count: out.length / 4, data: Float32Array.from(out) };
}

/**
 * Decodes anchor `index` of raw box encodings laid out [yCenter, xCenter, h, w] per anchor (MediaPipe's default
 * order, sizes exponential) into a box clamped to the image, in normalised top-left xywh.
 */
export function decodeSsdBox(raw: Float32Array, anchors: SsdAnchors, index: number, scales: BoxCoderScales): NormBox {
  const o = index * 4;
  const a = anchors.data;
  const yCenter = (raw[o] / scales.y) * a[o + 2] + a[o];
  const xCenter = (raw[o + 1] / scales.x) * a[o + 3] + a[o + 1];
  const h = Math.exp(raw[o + 2] / scales.h) * a[o + 2];
  const w = Math.exp(raw[o + 3] / scales.w) * a[o + 3];
  const x0 = clamp01(xCenter - w / 2);
  const y0 = clamp01(yCenter - h / 2);
  const x1 = clamp01(xCenter + w / 2);
  const y1 = clamp01(yCenter + h / 2);
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}
