/**
 * The ffmpeg command line for one camera: decode the stream, keep only video, resample to the detection rate and
 * size, and write packed RGB frames of a fixed byte size to stdout. Pure, so every camera option is unit-tested.
 */
import { fileURLToPath } from 'node:url';
import type { CameraConfig } from '../config/schema.js';

export type InputKind = 'rtsp' | 'file';

export interface FfmpegInput {
  kind: InputKind;
  /** What goes after `-i`. */
  input: string;
}

/** Only the camera fields the command line depends on, so callers and tests need not build a full config. */
export type FfmpegCamera = Pick<CameraConfig, 'url' | 'detectFps' | 'width' | 'height' | 'loop' | 'stallTimeoutS' | 'ffmpeg'>;

/**
 * rtsp(s) URLs go through unchanged. `file://` URLs become paths (percent-decoded, as a URL means); paths get
 * ffmpeg's `file:` protocol prefix so a name with a colon or a leading dash is never read as a protocol or option.
 */
export function resolveFfmpegInput(url: string): FfmpegInput {
  if (/^rtsps?:\/\//i.test(url)) return { kind: 'rtsp', input: url };
  const path = /^file:\/\//i.test(url) ? fileURLToPath(url) : url;
  return { kind: 'file', input: `file:${path}` };
}

/** `realtime: false` (replay) decodes a file as fast as the CPU allows and once, instead of at its own speed. */
export function buildFfmpegArgs(camera: FfmpegCamera, options: { realtime?: boolean } = {}): string[] {
  const { kind, input } = resolveFfmpegInput(camera.url);
  const args = ['-hide_banner', '-loglevel', 'warning', '-nostats', '-nostdin'];
  args.push(...camera.ffmpeg.hwaccelArgs);
  if (kind === 'rtsp') {
    args.push(
      '-rtsp_transport', camera.ffmpeg.rtspTransport,
      // Socket I/O timeout in microseconds: a silent camera makes ffmpeg exit instead of hanging forever.
      '-timeout', String(Math.round(camera.stallTimeoutS * 1_000_000)),
      // Camera timestamps are often broken; wall-clock ones keep the fps filter steady.
      '-use_wallclock_as_timestamps', '1',
      '-fflags', '+genpts+discardcorrupt',
    );
  } else if (options.realtime !== false) {
    // -re plays the file at its own speed, as a camera would deliver it.
    args.push('-re');
    if (camera.loop) args.push('-stream_loop', '-1');
  }
  args.push(...camera.ffmpeg.inputArgs);
  args.push('-i', input);
  args.push(
    '-an', '-sn', '-dn',
    // A fixed output size (aspect not kept) means every frame has the same byte length, even if the source
    // changes resolution mid-stream.
    '-vf', `fps=${formatNumber(camera.detectFps)},scale=${camera.width}:${camera.height}`,
    '-pix_fmt', 'rgb24',
    '-f', 'rawvideo',
    'pipe:1',
  );
  return args;
}

/** Bytes of one rgb24 frame. */
export function frameBytes(camera: Pick<CameraConfig, 'width' | 'height'>): number {
  return camera.width * camera.height * 3;
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toFixed(6)));
}
