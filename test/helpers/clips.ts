/**
 * Test media made and read with Debian's ffmpeg: H.264 MP4 clips (camera-like: a keyframe every second, no
 * B-frames), garbage files, and a frame counter that decodes a stream the way catwatch's ingest does.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { killProcess, runTracked, spawnTracked, tailOf } from './processes.js';

const FFMPEG = 'ffmpeg';
const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff']);
/** An image source is scaled this much larger than the frame so the crop window has room to pan across it. */
const PAN_ZOOM = 1.25;

export interface MakeClipOptions {
  /** Output .mp4 path; its folder is created. */
  out: string;
  /** `testsrc` (default: moving test pattern), an image path (still, panned), or a video path (re-encoded, looped). */
  source?: 'testsrc' | string;
  seconds: number;
  /** Default 10. */
  fps?: number;
  /** Default 320 × 240; both must be even (yuv420p). */
  width?: number;
  height?: number;
  /** For an image source: a slow left-to-right pan so there is motion. Default true. */
  pan?: boolean;
  /** Default 120 s. */
  timeoutMs?: number;
}

function inputArgs(source: string, seconds: number, fps: number, width: number, height: number): string[] {
  if (source === 'testsrc') return ['-f', 'lavfi', '-i', `testsrc=size=${width}x${height}:rate=${fps}:duration=${seconds}`];
  if (IMAGE_EXTENSIONS.has(extname(source).toLowerCase())) return ['-loop', '1', '-framerate', String(fps), '-i', source];
  // A video shorter than the clip is repeated.
  return ['-stream_loop', '-1', '-i', source];
}

function filterFor(source: string, opts: { seconds: number; fps: number; width: number; height: number; pan: boolean }): string {
  const { seconds, fps, width, height } = opts;
  if (source === 'testsrc') return 'null';
  const isImage = IMAGE_EXTENSIONS.has(extname(source).toLowerCase());
  if (isImage && opts.pan) {
    const even = (value: number): number => Math.ceil(value / 2) * 2;
    return [
      `scale=${even(width * PAN_ZOOM)}:${even(height * PAN_ZOOM)}:force_original_aspect_ratio=increase`,
      `crop=${width}:${height}:x='(iw-ow)*t/${seconds}':y='(ih-oh)/2'`,
      'setsar=1',
    ].join(',');
  }
  // Cover the frame and cut the overflow, so any source aspect gives the requested size undistorted.
  return `scale=${width}:${height}:force_original_aspect_ratio=increase,crop=${width}:${height},setsar=1,fps=${fps}`;
}

/** Makes an H.264 MP4 (libx264, yuv420p, keyframe every second, no B-frames); resolves with `opts.out`. */
export async function makeClip(opts: MakeClipOptions): Promise<string> {
  const { out, seconds } = opts;
  const source = opts.source ?? 'testsrc';
  const fps = opts.fps ?? 10;
  const width = opts.width ?? 320;
  const height = opts.height ?? 240;
  if (width % 2 !== 0 || height % 2 !== 0) throw new Error(`makeClip: width and height must be even, got ${width}x${height}`);
  if (!(seconds > 0) || !(fps > 0)) throw new Error(`makeClip: seconds and fps must be positive, got ${seconds}, ${fps}`);
  await mkdir(dirname(out), { recursive: true });
  const filter = filterFor(source, { seconds, fps, width, height, pan: opts.pan ?? true });
  await runTracked(
    FFMPEG,
    [
      '-nostdin', '-hide_banner', '-loglevel', 'error', '-y',
      ...inputArgs(source, seconds, fps, width, height),
      '-t', String(seconds), '-an', '-vf', filter, '-r', String(fps),
      '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-bf', '0',
      '-g', String(fps), '-keyint_min', String(fps), '-sc_threshold', '0',
      '-movflags', '+faststart', out,
    ],
    opts.timeoutMs ?? 120_000,
  );
  return out;
}

/** Writes `bytes` random bytes: a file no demuxer accepts, for error-path tests. Resolves with `out`. */
export async function makeNoiseFile(out: string, bytes = 64 * 1024): Promise<string> {
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, randomBytes(bytes));
  return out;
}

export interface DecodeFramesOptions {
  width: number;
  height: number;
  /** Stop after this many frames. */
  count: number;
  /** ffmpeg is killed after this long; the frames decoded so far count. */
  timeoutMs: number;
}

/**
 * Decodes up to `count` frames from `url` with ffmpeg (`-rtsp_transport tcp` for rtsp:// URLs), scaled to
 * width × height raw RGB24, and resolves with the number of whole frames received. Rejects, with ffmpeg's stderr,
 * when not a single frame arrived.
 */
export async function decodeFrames(url: string, opts: DecodeFramesOptions): Promise<number> {
  const frameBytes = opts.width * opts.height * 3;
  const transport = url.startsWith('rtsp://') ? ['-rtsp_transport', 'tcp'] : [];
  const child = await spawnTracked(
    FFMPEG,
    [
      '-nostdin', '-hide_banner', '-loglevel', 'error',
      ...transport, '-i', url,
      '-an', '-frames:v', String(opts.count), '-vf', `scale=${opts.width}:${opts.height}`,
      // passthrough: one output frame per decoded frame, no duplicates or drops to fit a constant rate.
      '-fps_mode', 'passthrough', '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const stderr = tailOf(child.stderr);
  let bytes = 0;
  child.stdout?.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killProcess(child);
  }, opts.timeoutMs);
  const code = await closed;
  clearTimeout(timer);
  const frames = Math.floor(bytes / frameBytes);
  if (frames === 0) {
    const why = timedOut ? `timed out after ${opts.timeoutMs} ms` : `exited with code ${code}`;
    throw new Error(`ffmpeg decoded no frame from ${url}: ${why}\nstderr: ${stderr() || '(empty)'}`);
  }
  return frames;
}

/**
 * The shared cat clip, then 5 s of a scene without a cat, at 640x360 and 10 fps: looped by a camera, every loop is
 * one whole event (new … end).
 */
export async function makeCatThenNoCatClip(out: string, videoDir: string): Promise<string> {
  await runTracked(FFMPEG, [
    '-loglevel', 'error', '-i', join(videoDir, 'cat_indoor_chair_vitgracer.mp4'), '-i', join(videoDir, 'nocat_bottles_table_intel.mp4'),
    '-filter_complex', '[0:v]scale=640:360,setsar=1,fps=10[a];[1:v]trim=0:5,setpts=PTS-STARTPTS,scale=640:360,setsar=1,fps=10[b];[a][b]concat=n=2:v=1[v]',
    '-map', '[v]', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '10', '-pix_fmt', 'yuv420p', out,
  ], 60_000);
  return out;
}
