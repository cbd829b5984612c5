/**
 * One supervised ffmpeg child per camera. ffmpeg decodes the stream to fixed-size RGB frames on stdout; we cut
 * stdout into exact frame-size buffers and hand each to `onFrame` at once (the consumer's latest-wins slot does
 * the dropping, so this reader never blocks ffmpeg). A watchdog restarts a child that stops delivering; any exit
 * restarts it with jittered exponential backoff, except a play-once file that reached its end.
 */
import { ffmpegExitReason, type FfmpegExit } from './ffmpeg-exit.js';
import { startFfmpegRun, type FfmpegRun } from './ffmpeg-run.js';
import type { CameraConfig } from '../config/schema.js';
import type { Logger } from '../util/log.js';
import { errorMessage } from '../util/errors.js';
import { buildFfmpegArgs, frameBytes, resolveFfmpegInput } from './ffmpeg-args.js';
import { createBackoff } from './backoff.js';
import { createStderrTail } from './stderr-tail.js';
import { createCameraFrames } from './camera-frames.js';
import type { Frame } from './frame.js';

export interface CameraStatus {
  connected: boolean;
  /** Why not connected: `ended` for a play-once file at its end, else the failure. */
  reason?: string;
}

export interface CameraIngestDeps {
  camera: CameraConfig;
  log: Logger;
  onFrame: (frame: Frame) => void;
  onStatus?: (status: CameraStatus) => void;
  /** Default: `ffmpeg` on PATH. */
  ffmpegPath?: string;
  now?: () => number;
  backoff?: { initialMs: number; maxMs: number; healthyResetMs: number };
}

export interface CameraIngestStats {
  frames: number;
  restarts: number;
  lastFrameAtMs: number | undefined;
  connected: boolean;
  /** Frames per second over the last few seconds. */
  fps: number;
  /** True once a play-once file has been read to its end. */
  ended: boolean;
  /** Why the last ffmpeg run ended, when it failed. */
  lastError: string | undefined;
  stderrTail: string[];
}

export interface CameraIngest {
  start(): void;
  stop(): Promise<void>;
  stats(): CameraIngestStats;
}

// 1 s .. 30 s; a run that delivered frames for 5 s counts as healthy, so a camera that blips reconnects fast.
const DEFAULT_BACKOFF = { initialMs: 1000, maxMs: 30_000, healthyResetMs: 5_000 };
const STDERR_LINES = 50;


export function createCameraIngest(deps: CameraIngestDeps): CameraIngest {
  const camera = deps.camera;
  const log = deps.log.child({ camera: camera.name });
  const now = deps.now ?? Date.now;
  const ffmpegPath = deps.ffmpegPath ?? 'ffmpeg';
  const backoff = createBackoff({ ...(deps.backoff ?? DEFAULT_BACKOFF), jitter: 'equal' });
  const playsOnce = resolveFfmpegInput(camera.url).kind === 'file' && !camera.loop;
  const tail = createStderrTail(STDERR_LINES);
  const counts = { spawns: 0, restarts: 0 };
  let running = false;
  let ended = false;
  let run: FfmpegRun | undefined;
  let runClosed: Promise<void> = Promise.resolve();
  let restartTimer: NodeJS.Timeout | undefined;
  let lastError: string | undefined;
  const frames = createCameraFrames({ camera, log, now, onFrame: deps.onFrame, onFirstFrame: () => {
    lastError = undefined;
    log.info({ width: camera.width, height: camera.height, detectFps: camera.detectFps }, 'camera connected');
    emitStatus({ connected: true });
  } });

  function emitStatus(status: CameraStatus): void {
    try {
      deps.onStatus?.(status);
    } catch (err) {
      log.error({ err: errorMessage(err) }, 'camera status handler failed');
    }
  }

  function spawnRun(): void {
    if (counts.spawns > 0) counts.restarts += 1;
    counts.spawns += 1;
    const args = buildFfmpegArgs(camera);
    run = startFfmpegRun({ ffmpegPath, args, frameBytes: frameBytes(camera), stallMs: camera.stallTimeoutS * 1000, tail, log, now, onFrame: (data) => frames.deliver(data), onExit });
    runClosed = run.closed;
  }

  function onExit(exit: FfmpegExit): void {
    run = undefined;
    const healthyForMs = frames.endRun();
    if (!running) return;
    if (playsOnce && exit.code === 0 && !exit.stalled) {
      ended = true;
      log.info({ frames: frames.stats().frames }, 'camera input ended');
      emitStatus({ connected: false, reason: 'ended' });
      return;
    }
    const reason = ffmpegExitReason(exit, ffmpegPath, camera.stallTimeoutS);
    lastError = reason;
    const delayMs = backoff.next(healthyForMs);
    const fields = { reason, code: exit.code, signal: exit.signal, delayMs, restarts: counts.restarts + 1, stderr: tail.runLines() };
    if (exit.spawnError) log.error(fields, 'ffmpeg failed, restarting');
    else log.warn(fields, 'ffmpeg failed, restarting');
    emitStatus({ connected: false, reason });
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      if (running) spawnRun();
    }, delayMs);
  }

  return {
    start() {
      if (running) return;
      running = true;
      ended = false;
      counts.spawns = 0; // a deliberate start is not a restart
      backoff.reset();
      // A stop() still waiting for the previous child: spawn once it is gone, so two never run at once.
      void runClosed.then(() => {
        if (running && !run && !restartTimer) spawnRun();
      });
    },
    async stop() {
      running = false;
      clearTimeout(restartTimer);
      restartTimer = undefined;
      run?.terminate();
      await runClosed;
    },
    stats() {
      return { ...frames.stats(), restarts: counts.restarts, connected: run !== undefined && frames.inRun(), ended, lastError, stderrTail: tail.lines() };
    },
  };
}
