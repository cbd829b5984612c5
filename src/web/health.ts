/**
 * Is the service doing its job? Every enabled camera delivered a frame recently AND a model is loaded: /healthz
 * names each camera that is down. A dead camera is the camera's problem, not the process's: ingest keeps retrying
 * it with backoff, and the systemd watchdog does NOT look at cameras (see sd-watchdog.ts), so one dead camera never
 * restarts the service and every other camera with it.
 */
import type { CameraConfig, Config } from '../config/schema.js';
import type { CameraIngestStats } from '../ingest/camera-ingest.js';
import type { RemoteBackboneStats } from '../model/backbone.js';

export interface HealthCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** Set on camera checks, so a client can name the failing camera without parsing `name`. */
  camera?: string;
}

export interface HealthReport {
  ok: boolean;
  checks: HealthCheck[];
}

export interface HealthDeps {
  config: () => Config;
  cameraStats: () => Map<string, CameraIngestStats>;
  /** Version of the loaded model, undefined while none is. */
  modelVersion: () => string | undefined;
  /** What cannot be written to disk now (events held in memory, mined samples lost), when something cannot. */
  storageError?: () => string | undefined;
  /** With backbone: triton, the inference server link (a server that is down is reported; scoring goes on locally). */
  inferenceServer?: () => RemoteBackboneStats | undefined;
  now?: () => number;
}

/**
 * How long a camera may go without a frame: its stall timeout, but at least three frame intervals, so a camera
 * decoding at a very low detectFps is not called stalled between two frames.
 */
export function frameMaxAgeMs(camera: Pick<CameraConfig, 'stallTimeoutS' | 'detectFps'>): number {
  return Math.max(camera.stallTimeoutS, 3 / camera.detectFps) * 1000;
}

export function createHealth(deps: HealthDeps) {
  const now = deps.now ?? Date.now;
  /** When each camera was first seen running: the watchdog's grace period before its first frame. */
  const firstSeenAtMs = new Map<string, number>();

  function cameraAges(): Array<{ camera: CameraConfig; lastFrameAtMs: number | undefined; sinceMs: number; running: boolean }> {
    const stats = deps.cameraStats();
    const t = now();
    const enabled = deps.config().cameras.filter((c) => c.enabled);
    for (const name of firstSeenAtMs.keys()) if (!stats.has(name)) firstSeenAtMs.delete(name);
    return enabled.map((camera) => {
      const s = stats.get(camera.name);
      if (s && !firstSeenAtMs.has(camera.name)) firstSeenAtMs.set(camera.name, t);
      const since = s?.lastFrameAtMs ?? firstSeenAtMs.get(camera.name) ?? t;
      return { camera, lastFrameAtMs: s?.lastFrameAtMs, sinceMs: t - since, running: s !== undefined };
    });
  }

  return {
    check(): HealthReport {
      const checks: HealthCheck[] = cameraAges().map(({ camera, lastFrameAtMs, sinceMs, running }) => {
        const limitMs = frameMaxAgeMs(camera);
        const base = { name: `camera ${camera.name}`, camera: camera.name };
        if (!running) return { ...base, ok: false, detail: 'not running' };
        if (lastFrameAtMs === undefined) return { ...base, ok: false, detail: 'no frame yet' };
        const ok = sinceMs <= limitMs;
        return { ...base, ok, detail: `last frame ${(sinceMs / 1000).toFixed(1)} s ago (limit ${limitMs / 1000} s)` };
      });
      const version = deps.modelVersion();
      checks.push({ name: 'model', ok: version !== undefined, detail: version === undefined ? 'no model loaded' : `version ${version}` });
      const storageError = deps.storageError?.();
      if (storageError !== undefined) checks.push({ name: 'storage', ok: false, detail: storageError });
      const remote = deps.inferenceServer?.();
      if (remote) checks.push({ name: 'inference server', ok: remote.up, detail: remote.up ? `${remote.server} in use` : `${remote.server} ${remote.state}, scoring locally: ${remote.reason ?? ''}` });
      return { ok: checks.every((c) => c.ok), checks };
    },
    /** Per enabled camera: did it deliver a frame within its limit (metrics, availability, status). */
    camerasUp(): Map<string, boolean> {
      return new Map(cameraAges().map(({ camera, lastFrameAtMs, sinceMs }) => [camera.name, lastFrameAtMs !== undefined && sinceMs <= frameMaxAgeMs(camera)]));
    },
  };
}

export type Health = ReturnType<typeof createHealth>;

/** The storage condition /healthz reports: events held in memory first (they matter most), then mined samples lost. */
export function storageProblem(outboxError: string | undefined, samplesError: string | undefined): string | undefined {
  if (outboxError !== undefined) return `events held in memory: ${outboxError}`;
  return samplesError === undefined ? undefined : `mined samples not stored: ${samplesError}`;
}
