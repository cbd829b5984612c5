/**
 * One ffmpeg run for a camera: spawns it, cuts its stdout into frames, keeps its stderr tail, and kills it when no
 * frame came for `stallMs` (from the start too, with a longer first-frame limit, so a stream that never delivers
 * is caught). Reports how it
 * ended once, after the process closed. Restarting is the caller's job (camera-ingest.ts).
 */
import { minimalChildEnv } from '../util/child-env.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { redactUrl, type Logger } from '../util/log.js';
import type { FfmpegExit } from './ffmpeg-exit.js';
import { createFrameAssembler } from './frame-assembler.js';
import type { StderrTail } from './stderr-tail.js';

export interface FfmpegRunDeps {
  ffmpegPath: string;
  args: string[];
  frameBytes: number;
  stallMs: number;
  tail: StderrTail;
  log: Logger;
  now: () => number;
  onFrame: (data: Buffer) => void;
  onExit: (exit: FfmpegExit) => void;
}

export interface FfmpegRun {
  /** SIGTERM, then SIGKILL after a grace period. */
  terminate(): void;
  /** Resolves once the process closed and onExit ran. */
  readonly closed: Promise<void>;
}

const KILL_GRACE_MS = 2000;
/**
 * Before a run's first frame the stall limit is at least this: connecting, RTSP negotiation and the wait for the
 * first keyframe (cameras send one every 2-10 s) take longer than a gap between frames. With the stall limit alone,
 * a camera with a 4 s keyframe interval and stallTimeoutS 2 could never connect.
 */
const FIRST_FRAME_TIMEOUT_MS = 10_000;

// Every live ffmpeg child of this process, killed if Node exits without stopping them. (If Node dies by SIGKILL,
// ffmpeg gets EPIPE on its next write to stdout and exits by itself.)
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function track(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const c of liveChildren) c.kill('SIGKILL');
    });
  }
  liveChildren.add(child);
  child.once('close', () => liveChildren.delete(child));
}

function terminate(c: ChildProcess): void {
  c.kill('SIGTERM');
  const killTimer = setTimeout(() => c.kill('SIGKILL'), KILL_GRACE_MS);
  c.once('close', () => clearTimeout(killTimer));
}

export function startFfmpegRun(deps: FfmpegRunDeps): FfmpegRun {
  const startedAtMs = deps.now();
  let lastFrameAtMs: number | undefined;
  let stalled = false;
  let spawnError: NodeJS.ErrnoException | undefined;
  const assembler = createFrameAssembler(deps.frameBytes, (data) => {
    lastFrameAtMs = deps.now();
    deps.onFrame(data);
  });
  deps.tail.markRun();
  deps.log.debug({ ffmpegPath: deps.ffmpegPath, args: deps.args.map(redactUrl) }, 'ffmpeg starting');
  const child = spawn(deps.ffmpegPath, deps.args, { stdio: ['ignore', 'pipe', 'pipe'], detached: false, shell: false, env: minimalChildEnv() });
  track(child);
  child.on('error', (err) => {
    spawnError ??= err;
  });
  child.stdout?.on('data', (chunk: Buffer) => assembler.push(chunk));
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => deps.tail.push(text));

  const stallTimer = setInterval(() => {
    const limitMs = lastFrameAtMs === undefined ? Math.max(deps.stallMs, FIRST_FRAME_TIMEOUT_MS) : deps.stallMs;
    if (stalled || deps.now() - (lastFrameAtMs ?? startedAtMs) <= limitMs) return;
    stalled = true;
    deps.log.warn({ limitS: limitMs / 1000, firstFrame: lastFrameAtMs === undefined }, 'camera stalled, restarting ffmpeg');
    terminate(child);
  }, Math.min(1000, deps.stallMs / 2));
  stallTimer.unref();

  const closed = new Promise<void>((resolve) => {
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
      clearInterval(stallTimer);
      deps.tail.flush();
      deps.onExit({ code, signal, spawnError, stalled, beforeFirstFrame: lastFrameAtMs === undefined });
      resolve();
    });
  });
  return { terminate: () => terminate(child), closed };
}
