/**
 * A bounds-checked reader for FlatBuffers tables, vectors and scalars (the container format of .tflite files).
 * Only what reading a TFLite model needs; every offset is checked against the buffer, so a truncated or corrupt
 * file ends in one clear error naming the byte, never in a read past the end or a silent garbage value.
 *
 * Layout (flatbuffers.dev "internals"): a table starts with an int32 back-offset to its vtable; the vtable holds
 * uint16 sizes then one uint16 offset per field (0 = absent, default value applies). References (tables, vectors,
 * strings) are uint32 offsets relative to where they are stored; vectors start with a uint32 length.
 */
import { CatwatchError } from '../../util/errors.js';

export class FlatbufferReader {
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array, private readonly label: string) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get length(): number {
    return this.bytes.length;
  }

  /** The root table's position. */
  root(): number {
    return this.ref(0);
  }

  /** Position of field `index` of `table`, or undefined when the field is absent. */
  field(table: number, index: number): number | undefined {
    const vtable = table - this.int32(table);
    const vtableBytes = this.uint16(vtable);
    const slot = 4 + index * 2;
    if (slot + 2 > vtableBytes) return undefined;
    const at = this.uint16(vtable + slot);
    return at === 0 ? undefined : table + at;
  }

  /** Follows the uint32 forward reference stored at `at`. */
  ref(at: number): number {
    const target = at + this.uint32(at);
    this.check(target, 4, 'reference');
    return target;
  }

  scalarField(table: number, index: number, kind: 'int8' | 'uint8' | 'int32' | 'uint32', fallback: number): number {
    const at = this.field(table, index);
    if (at === undefined) return fallback;
    switch (kind) {
      case 'int8': this.check(at, 1, kind); return this.view.getInt8(at);
      case 'uint8': this.check(at, 1, kind); return this.view.getUint8(at);
      case 'int32': return this.int32(at);
      case 'uint32': return this.uint32(at);
    }
  }

  /** uint64 field as a number (exact below 2^53, which any file this reader accepts is). */
  uint64Field(table: number, index: number): number {
    const at = this.field(table, index);
    if (at === undefined) return 0;
    this.check(at, 8, 'uint64');
    return Number(this.view.getBigUint64(at, true));
  }

  /** Positions of the tables in the vector field `index` of `table` (empty when absent). */
  tableVector(table: number, index: number): number[] {
    const vector = this.vectorAt(table, index, 4);
    if (!vector) return [];
    return Array.from({ length: vector.count }, (_, i) => this.ref(vector.start + 4 * i));
  }

  int32Vector(table: number, index: number): number[] {
    const vector = this.vectorAt(table, index, 4);
    if (!vector) return [];
    return Array.from({ length: vector.count }, (_, i) => this.view.getInt32(vector.start + 4 * i, true));
  }

  /** The bytes of a [ubyte] vector field, as a view into the file (no copy). */
  byteVector(table: number, index: number): Uint8Array {
    const vector = this.vectorAt(table, index, 1);
    return vector ? this.bytes.subarray(vector.start, vector.start + vector.count) : new Uint8Array(0);
  }

  stringField(table: number, index: number): string {
    return Buffer.from(this.byteVector(table, index)).toString('utf8');
  }

  /** A byte range of the whole file (TFLite's large-model buffers live outside the flatbuffer). */
  slice(offset: number, size: number): Uint8Array {
    this.check(offset, size, 'buffer data');
    return this.bytes.subarray(offset, offset + size);
  }

  private vectorAt(table: number, index: number, elementBytes: number): { start: number; count: number } | undefined {
    const at = this.field(table, index);
    if (at === undefined) return undefined;
    const vector = this.ref(at);
    const count = this.uint32(vector);
    this.check(vector + 4, count * elementBytes, 'vector');
    return { start: vector + 4, count };
  }

  private int32(at: number): number {
    this.check(at, 4, 'int32');
    return this.view.getInt32(at, true);
  }

  private uint32(at: number): number {
    this.check(at, 4, 'uint32');
    return this.view.getUint32(at, true);
  }

  private uint16(at: number): number {
    this.check(at, 2, 'uint16');
    return this.view.getUint16(at, true);
  }

  private check(at: number, size: number, what: string): void {
    if (!Number.isInteger(at) || at < 0 || size < 0 || at + size > this.bytes.length) {
      throw new CatwatchError('E_MODEL_INVALID',
        `${this.label} is truncated or corrupt: a ${what} of ${size} bytes at byte ${at} lies outside the ${this.bytes.length}-byte file`);
    }
  }
}
