/**
 * Cuts ffmpeg's raw RGB stdout into whole frames. Chunks from the pipe rarely align with frames: each is copied into
 * the frame being filled, which is handed over (a fresh buffer, never reused) as soon as it is full.
 */
export interface FrameAssembler {
  push(chunk: Buffer): void;
  /** Drops a partly filled frame (a new ffmpeg run starts on a frame boundary). */
  reset(): void;
}

export function createFrameAssembler(frameBytes: number, onFrame: (data: Buffer) => void): FrameAssembler {
  let buffer = Buffer.allocUnsafe(frameBytes);
  let filled = 0;
  return {
    push(chunk) {
      let offset = 0;
      while (offset < chunk.length) {
        const n = Math.min(frameBytes - filled, chunk.length - offset);
        chunk.copy(buffer, filled, offset, offset + n);
        filled += n;
        offset += n;
        if (filled === frameBytes) {
          const full = buffer;
          buffer = Buffer.allocUnsafe(frameBytes);
          filled = 0;
          onFrame(full);
        }
      }
    },
    reset() {
      filled = 0;
    },
  };
}
