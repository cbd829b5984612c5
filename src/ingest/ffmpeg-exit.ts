/** Why an ffmpeg run ended, in words for logs, /api/status and the camera's `lastError`. */
import { ffmpegMissing } from './ffmpeg-version.js';

export interface FfmpegExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  spawnError: NodeJS.ErrnoException | undefined;
  /** The stall watchdog killed it. */
  stalled: boolean;
  /** Whether it was still waiting for its first frame. */
  beforeFirstFrame: boolean;
}

export function ffmpegExitReason(exit: FfmpegExit, ffmpegPath: string, stallTimeoutS: number): string {
  const { spawnError } = exit;
  if (spawnError?.code === 'ENOENT' || spawnError?.code === 'EACCES') {
    const err = ffmpegMissing(ffmpegPath, spawnError);
    return `${err.code}: ${err.message}`;
  }
  if (spawnError) return `ffmpeg could not be started: ${spawnError.message}`;
  if (exit.stalled) return exit.beforeFirstFrame ? 'no first frame in time' : `no frame for ${stallTimeoutS} s`;
  return exit.signal ? `ffmpeg killed by ${exit.signal}` : `ffmpeg exited with code ${exit.code}`;
}
