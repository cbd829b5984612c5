/**
 * Large numeric arrays inside JSON model files: float32 as base64 of little-endian bytes (exact), and int8 with one
 * scale per column (4x smaller, for the shipped dataset's coordinates, where 1/254 of a column's range is far below
 * what a linear head or a distance can tell apart).
 */

export interface PackedFloat32 { readonly dtype: 'float32'; readonly length: number; readonly base64: string }
export interface PackedInt8Columns { readonly dtype: 'int8-columns'; readonly rows: number; readonly columns: number; readonly scale: number[]; readonly base64: string }

export function packFloat32(values: ArrayLike<number>): PackedFloat32 {
  const array = Float32Array.from(values as ArrayLike<number>);
  return { dtype: 'float32', length: array.length, base64: Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString('base64') };
}

export function unpackFloat32(packed: PackedFloat32, what: string): Float32Array {
  if (packed?.dtype !== 'float32' || typeof packed.base64 !== 'string') throw new TypeError(`${what}: expected a packed float32 array`);
  const bytes = Buffer.from(packed.base64, 'base64');
  if (bytes.byteLength !== packed.length * 4) throw new RangeError(`${what}: ${bytes.byteLength} bytes for ${packed.length} floats`);
  const out = new Float32Array(packed.length);
  new Uint8Array(out.buffer).set(bytes);
  for (const v of out) if (!Number.isFinite(v)) throw new RangeError(`${what}: contains a non-finite number`);
  return out;
}

/** Row-major rows x columns matrix, each column scaled by max|value| / 127. */
export function packInt8Columns(matrix: Float32Array, rows: number, columns: number): PackedInt8Columns {
  if (matrix.length !== rows * columns) throw new RangeError(`matrix has ${matrix.length} entries, expected ${rows}x${columns}`);
  const scale = new Array<number>(columns).fill(0);
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) scale[c] = Math.max(scale[c], Math.abs(matrix[r * columns + c]));
  for (let c = 0; c < columns; c++) scale[c] = scale[c] > 0 ? scale[c] / 127 : 1;
  const q = new Int8Array(rows * columns);
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) q[r * columns + c] = Math.round(matrix[r * columns + c] / scale[c]);
  return { dtype: 'int8-columns', rows, columns, scale, base64: Buffer.from(q.buffer).toString('base64') };
}

export function unpackInt8Columns(packed: PackedInt8Columns, what: string): Float32Array {
  if (packed?.dtype !== 'int8-columns' || typeof packed.base64 !== 'string') throw new TypeError(`${what}: expected packed int8 columns`);
  const bytes = Buffer.from(packed.base64, 'base64');
  const { rows, columns, scale } = packed;
  if (bytes.byteLength !== rows * columns || scale.length !== columns) throw new RangeError(`${what}: size does not match ${rows}x${columns}`);
  const q = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(rows * columns);
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) out[r * columns + c] = q[r * columns + c] * scale[c];
  return out;
}
