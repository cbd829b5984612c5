/** Whether ffmpeg can be run, and which one: used by the ingest (spawn errors) and by `catwatch doctor`. */
import { execFile } from 'node:child_process';
import { CatwatchError } from '../util/errors.js';

/** Resolves with ffmpeg's version line (without the copyright); rejects with E_FFMPEG_MISSING when it cannot run. */
export function ffmpegVersion(ffmpegPath = 'ffmpeg'): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(ffmpegPath, ['-hide_banner', '-version'], { timeout: 10_000 }, (err, stdout) => {
      if (err) reject(ffmpegMissing(ffmpegPath, err));
      else resolve((stdout.split('\n')[0] ?? '').replace(/ Copyright.*$/, ''));
    });
  });
}

export function ffmpegMissing(ffmpegPath: string, cause: unknown): CatwatchError {
  return new CatwatchError(
    'E_FFMPEG_MISSING',
    `ffmpeg could not be run as "${ffmpegPath}": install it (Debian/Ubuntu: apt install ffmpeg) or give its full path`,
    { cause },
  );
}
