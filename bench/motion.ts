/**
 * Cost of motion detection per frame (the only per-frame work besides decoding): a static 640x360 frame and one
 * with a moving block. Prints one JSON line. Target (README): well under 20 ms per frame on one core.
 */
import { createMotionDetector } from '../src/motion/motion-detector.js';
import { defaultMotionConfig } from '../src/config/schema.js';

const W = 640;
const H = 360;

function frame(block?: { x: number; y: number }): { data: Uint8Array; width: number; height: number } {
  const data = new Uint8Array(W * H * 3).fill(90);
  if (block) for (let y = block.y; y < block.y + 60; y++) data.fill(230, (y * W + block.x) * 3, (y * W + block.x + 60) * 3);
  return { data, width: W, height: H };
}

function msPerFrame(frames: ReadonlyArray<ReturnType<typeof frame>>, runs: number): number {
  const detector = createMotionDetector({ config: { ...defaultMotionConfig(), enabled: true }, width: W, height: H });
  for (let i = 0; i < 20; i++) detector.detect(frames[i % frames.length], i);
  const start = performance.now();
  for (let i = 0; i < runs; i++) detector.detect(frames[i % frames.length], 20 + i);
  return (performance.now() - start) / runs;
}

const still = msPerFrame([frame()], 300);
const moving = msPerFrame([frame({ x: 100, y: 100 }), frame({ x: 130, y: 110 }), frame({ x: 160, y: 120 })], 300);
process.stdout.write(`${JSON.stringify({ bench: 'motion', frame: `${W}x${H}`, staticMsPerFrame: Number(still.toFixed(3)), movingMsPerFrame: Number(moving.toFixed(3)) })}\n`);
