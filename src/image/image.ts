/** The image kinds every stage shares: decoded pixels and boxes on them. */

/** Packed 8-bit RGB pixels, row-major, 3 bytes per pixel, any size. */
export interface RgbImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** A box in normalised image coordinates (0..1). */
export interface NormBox {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}
