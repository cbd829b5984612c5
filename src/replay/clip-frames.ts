/**
 * The frames of a recorded clip, decoded by the same ffmpeg command line as a camera (detectFps, size, rgb24) but
 * as fast as the CPU allows and once. Time is the clip's own: frame n is at n / detectFps seconds, so a replay is
 * the same every time. The consumer pulls frames (async iteration): ffmpeg waits while a frame is being scored.
 */
import { minimalChildEnv } from '../util/child-env.js';
import { spawn } from 'node:child_process';
import type { CameraConfig } from '../config/schema.js';
import { buildFfmpegArgs, frameBytes } from '../ingest/ffmpeg-args.js';
import { createFrameAssembler } from '../ingest/frame-assembler.js';
import type { Frame } from '../ingest/frame.js';
import { createStderrTail } from '../ingest/stderr-tail.js';
import { CatwatchError } from '../util/errors.js';

export async function* clipFrames(camera: CameraConfig, clip: string, ffmpegPath = 'ffmpeg'): AsyncGenerator<Frame> {
  const args = buildFfmpegArgs({ ...camera, url: clip, loop: false }, { realtime: false });
  const child = spawn(ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: minimalChildEnv() });
  const tail = createStderrTail(20);
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => tail.push(text));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
  const ready: Buffer[] = [];
  const assembler = createFrameAssembler(frameBytes(camera), (data) => ready.push(data));
  let seq = 0;
  try {
    for await (const chunk of child.stdout) {
      assembler.push(chunk as Buffer);
      for (let data = ready.shift(); data; data = ready.shift()) {
        yield { camera: camera.name, seq: ++seq, capturedAtMs: ((seq - 1) * 1000) / camera.detectFps, width: camera.width, height: camera.height, data };
      }
    }
    const code = await exited;
    tail.flush();
    if (code !== 0 || seq === 0) {
      const why = tail.lines().at(-1) ?? (code === 0 ? 'no video frame in it' : `ffmpeg exited with code ${code}`);
      throw new CatwatchError('E_REPLAY_CLIP', `${clip}: cannot be decoded: ${why}`);
    }
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}
