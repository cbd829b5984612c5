/**
 * One supervised ffmpeg child per camera. ffmpeg decodes the stream to fixed-size RGB frames on stdout; we cut
 * stdout into exact frame-size buffers and hand each to `onFrame` at once (the consumer's latest-wins slot does
 * the dropping, so this reader never blocks ffmpeg). A watchdog restarts a child that stops delivering; any exit
 * restarts it with jittered exponential backoff, except a play-once file that reached its end.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { ffmpegMissing } from './ffmpeg-version.js';
import type { CameraConfig } from '../config/schema.js';
import type { Logger } from '../util/log.js';
import { redactUrl } from '../util/log.js';
import { errorMessage } from '../util/errors.js';
import { buildFfmpegArgs, frameBytes, resolveFfmpegInput } from './ffmpeg-args.js';
import { createBackoff } from './backoff.js';
import { createStderrTail } from './stderr-tail.js';
import { createRateMeter } from './rate-meter.js';
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
const KILL_GRACE_MS = 2000;
const STDERR_LINES = 50;
const FPS_WINDOW_MS = 5000;

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
}

export function createCameraIngest(deps: CameraIngestDeps): CameraIngest {
  const camera = deps.camera;
  const log = deps.log.child({ camera: camera.name });
  const now = deps.now ?? Date.now;
  const ffmpegPath = deps.ffmpegPath ?? 'ffmpeg';
  const backoff = createBackoff({ ...(deps.backoff ?? DEFAULT_BACKOFF), jitter: 'equal' });
  const size = frameBytes(camera);
  const stallMs = camera.stallTimeoutS * 1000;
  const playsOnce = resolveFfmpegInput(camera.url).kind === 'file' && !camera.loop;
  const tail = createStderrTail(STDERR_LINES);
  const fpsMeter = createRateMeter(FPS_WINDOW_MS);

  let running = false;
  let ended = false;
  let child: ChildProcess | undefined;
  let childClosed: Promise<void> = Promise.resolve();
  let restartTimer: NodeJS.Timeout | undefined;
  let watchdogTimer: NodeJS.Timeout | undefined;
  let spawns = 0;
  let restarts = 0;
  let frames = 0;
  let lastFrameAtMs: number | undefined;
  let connected = false;
  let lastError: string | undefined;
  // Per ffmpeg run:
  let runStartedAtMs = 0;
  let runFirstFrameAtMs: number | undefined;
  let runLastFrameAtMs: number | undefined;
  let stalled = false;
  let buffer = Buffer.allocUnsafe(size);
  let filled = 0;

  function emitStatus(status: CameraStatus): void {
    try {
      deps.onStatus?.(status);
    } catch (err) {
      log.error({ err: errorMessage(err) }, 'camera status handler failed');
    }
  }

  function deliver(data: Buffer): void {
    const t = now();
    frames += 1;
    lastFrameAtMs = t;
    runLastFrameAtMs = t;
    fpsMeter.add(t);
    if (runFirstFrameAtMs === undefined) {
      runFirstFrameAtMs = t;
      connected = true;
      lastError = undefined;
      log.info({ width: camera.width, height: camera.height, detectFps: camera.detectFps }, 'camera connected');
      emitStatus({ connected: true });
    }
    try {
      deps.onFrame({ camera: camera.name, seq: frames, capturedAtMs: t, width: camera.width, height: camera.height, data });
    } catch (err) {
      log.error({ err: errorMessage(err) }, 'frame handler failed');
    }
  }

  // Chunks from the pipe rarely align with frames: copy each into the frame being filled, hand it over when full.
  function onStdout(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(size - filled, chunk.length - offset);
      chunk.copy(buffer, filled, offset, offset + n);
      filled += n;
      offset += n;
      if (filled === size) {
        const full = buffer;
        buffer = Buffer.allocUnsafe(size);
        filled = 0;
        deliver(full);
      }
    }
  }

  function terminate(c: ChildProcess): void {
    c.kill('SIGTERM');
    const killTimer = setTimeout(() => c.kill('SIGKILL'), KILL_GRACE_MS);
    c.once('close', () => clearTimeout(killTimer));
  }

  function spawnChild(): void {
    if (spawns > 0) restarts += 1;
    spawns += 1;
    filled = 0;
    runStartedAtMs = now();
    runFirstFrameAtMs = undefined;
    runLastFrameAtMs = undefined;
    stalled = false;
    tail.markRun();
    const args = buildFfmpegArgs(camera);
    log.debug({ ffmpegPath, args: args.map(redactUrl) }, 'ffmpeg starting');
    const c = spawn(ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: false, shell: false });
    child = c;
    track(c);
    let spawnError: NodeJS.ErrnoException | undefined;
    c.on('error', (err) => {
      spawnError ??= err;
    });
    c.stdout?.on('data', onStdout);
    c.stderr?.setEncoding('utf8');
    c.stderr?.on('data', (text: string) => tail.push(text));
    childClosed = new Promise((resolve) => {
      c.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
        liveChildren.delete(c);
        child = undefined;
        tail.flush();
        onExit(code, signal, spawnError);
        resolve();
      });
    });
  }

  function onExit(code: number | null, signal: NodeJS.Signals | null, spawnError: NodeJS.ErrnoException | undefined): void {
    const healthyForMs = runFirstFrameAtMs === undefined ? 0 : now() - runFirstFrameAtMs;
    connected = false;
    filled = 0;
    if (!running) return;
    if (playsOnce && code === 0 && !stalled) {
      ended = true;
      stopWatchdog();
      log.info({ frames }, 'camera input ended');
      emitStatus({ connected: false, reason: 'ended' });
      return;
    }
    let reason: string;
    if (spawnError?.code === 'ENOENT' || spawnError?.code === 'EACCES') {
      const err = ffmpegMissing(ffmpegPath, spawnError);
      reason = `${err.code}: ${err.message}`;
    } else if (spawnError) {
      reason = `ffmpeg could not be started: ${spawnError.message}`;
    } else if (stalled) {
      reason = `no frame for ${camera.stallTimeoutS} s`;
    } else {
      reason = signal ? `ffmpeg killed by ${signal}` : `ffmpeg exited with code ${code}`;
    }
    lastError = reason;
    const delayMs = backoff.next(healthyForMs);
    const fields = { reason, code, signal, delayMs, restarts: restarts + 1, stderr: tail.runLines() };
    if (spawnError) log.error(fields, 'ffmpeg failed, restarting');
    else log.warn(fields, 'ffmpeg failed, restarting');
    emitStatus({ connected: false, reason });
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      if (running) spawnChild();
    }, delayMs);
  }

  function checkStall(): void {
    const c = child;
    if (!c || stalled) return;
    const lastActivityMs = Math.max(runStartedAtMs, runLastFrameAtMs ?? 0);
    if (now() - lastActivityMs <= stallMs) return;
    stalled = true;
    log.warn({ stallTimeoutS: camera.stallTimeoutS }, 'camera stalled, restarting ffmpeg');
    terminate(c);
  }

  function stopWatchdog(): void {
    if (watchdogTimer) clearInterval(watchdogTimer);
    watchdogTimer = undefined;
  }

  return {
    start() {
      if (running) return;
      running = true;
      ended = false;
      spawns = 0; // a deliberate start is not a restart
      backoff.reset();
      watchdogTimer = setInterval(checkStall, Math.min(1000, stallMs / 2));
      watchdogTimer.unref();
      // A stop() still waiting for the previous child: spawn once it is gone, so two never run at once.
      void childClosed.then(() => {
        if (running && !child && !restartTimer) spawnChild();
      });
    },

    async stop() {
      running = false;
      stopWatchdog();
      if (restartTimer) clearTimeout(restartTimer);
      restartTimer = undefined;
      if (child) terminate(child);
      await childClosed;
    },

    stats() {
      return {
        frames,
        restarts,
        lastFrameAtMs,
        connected,
        fps: fpsMeter.rate(now()),
        ended,
        lastError,
        stderrTail: tail.lines(),
      };
    },
  };
}
