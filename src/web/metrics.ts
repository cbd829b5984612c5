/**
 * Prometheus metrics (prom-client) in one registry of our own (not the global one, so several services or tests in
 * one process never clash). Counters that the stages already keep (frames, drops, ffmpeg restarts) are read at
 * scrape time; the rest are counted as they happen through the record* functions.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CameraIngestStats } from '../ingest/camera-ingest.js';

export interface MetricsDeps {
  cameraStats: () => Map<string, CameraIngestStats>;
  /** Frames the score stage replaced with a newer one before scoring them. */
  droppedFrames: (camera: string) => number;
  outboxDepth: () => number;
  /** Whether each enabled camera delivers frames now (see health.ts). */
  camerasUp: () => Map<string, boolean>;
  /** Each stage's state (`running`, `failed`, ...). */
  stages: () => ReadonlyArray<{ name: string; state: string }>;
  /** MQTT commands not run, by reason (retained, too-large, rate-limited). */
  commandsRefused?: () => Readonly<Record<string, number>>;
  /** With fleet.* configured: model pointers installed and refused (by reason), samples moved through the bucket. */
  fleet?: () => { installed: number; refusedSignature: number; refusedChecksum: number; refusedStale: number; refused: number; samplesUploaded: number; samplesDownloaded: number } | undefined;
}

const PREFIX = 'catwatch_';
/** Seconds; backbone calls take from about 5 ms (GPU) to about 1 s (a busy small CPU). */
const INFERENCE_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** Gauges and counters read from the stages at scrape time (outbox, refused commands, cameras, stages). */
function registerStateMetrics(registry: Registry, deps: MetricsDeps): void {
  new Gauge({
    name: `${PREFIX}mqtt_outbox_depth`,
    help: 'Events waiting in the durable outbox for the broker.',
    registers: [registry],
    collect() {
      this.set(deps.outboxDepth());
    },
  });
  new Counter({
    name: `${PREFIX}mqtt_commands_refused_total`,
    help: 'MQTT commands not run: retained (would run again at every reconnect), too large, or over the rate limit.',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [reason, n] of Object.entries(deps.commandsRefused?.() ?? {})) this.inc({ reason }, n);
    },
  });
  new Gauge({
    name: `${PREFIX}camera_up`,
    help: '1 while the camera delivers frames, 0 while it is down (catwatch keeps retrying it).',
    labelNames: ['camera'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [camera, up] of deps.camerasUp()) this.set({ camera }, up ? 1 : 0);
    },
  });
  new Gauge({
    name: `${PREFIX}stage_up`,
    help: '1 while the stage runs, 0 when it failed to start or stopped.',
    labelNames: ['stage'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of deps.stages()) this.set({ stage: s.name }, s.state === 'running' ? 1 : 0);
    },
  });
}

/** Fleet counters, copied from the fleet stage's own totals at scrape time. */
function registerFleetMetrics(registry: Registry, fleet: NonNullable<MetricsDeps['fleet']>): void {
  new Counter({
    name: `${PREFIX}fleet_pointers_refused_total`,
    help: 'Model pointers from the trainer not installed: bad signature, sha256 mismatch, older than the one followed (a replay), or an unusable model file.',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      const f = fleet();
      if (!f) return;
      this.inc({ reason: 'signature' }, f.refusedSignature);
      this.inc({ reason: 'checksum' }, f.refusedChecksum);
      this.inc({ reason: 'stale' }, f.refusedStale);
      this.inc({ reason: 'other' }, Math.max(0, f.refused - f.refusedSignature - f.refusedChecksum - f.refusedStale));
    },
  });
  const copied = (name: string, help: string, value: (f: NonNullable<ReturnType<typeof fleet>>) => number): void => void new Counter({
    name: PREFIX + name, help, registers: [registry],
    collect() {
      this.reset();
      const f = fleet();
      if (f) this.inc(value(f));
    },
  });
  copied('fleet_models_installed_total', 'Model versions installed from the trainer\'s signed pointer.', (f) => f.installed);
  copied('fleet_samples_uploaded_total', 'Labelled samples this node uploaded to the fleet bucket.', (f) => f.samplesUploaded);
  copied('fleet_samples_downloaded_total', 'Samples the trainer downloaded from the fleet bucket.', (f) => f.samplesDownloaded);
}

export function createMetrics(deps: MetricsDeps) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: PREFIX });

  /** A counter whose per-camera values are the stage's own running totals, copied at scrape time. */
  function cameraCounter(name: string, help: string, value: (camera: string, s: CameraIngestStats) => number): void {
    new Counter({
      name: PREFIX + name,
      help,
      labelNames: ['camera'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [camera, s] of deps.cameraStats()) this.inc({ camera }, value(camera, s));
      },
    });
  }
  cameraCounter('frames_total', 'Frames decoded per camera.', (_c, s) => s.frames);
  cameraCounter('dropped_frames_total', 'Frames replaced by a newer one before they were scored (the model was behind).', (c) => deps.droppedFrames(c));
  cameraCounter('ffmpeg_restarts_total', 'ffmpeg restarts per camera (stalls, exits, reconnects).', (_c, s) => s.restarts);
  registerStateMetrics(registry, deps);
  if (deps.fleet) registerFleetMetrics(registry, deps.fleet);
  const inference = new Histogram({
    name: `${PREFIX}inference_seconds`,
    help: 'Backbone + head time per scored frame (all its regions in one batch).',
    buckets: INFERENCE_BUCKETS_S,
    registers: [registry],
  });
  const events = new Counter({ name: `${PREFIX}events_total`, help: 'Event transitions published, by camera and type (new, update, end).', labelNames: ['camera', 'type'], registers: [registry] });
  const mined = new Counter({ name: `${PREFIX}mined_samples_total`, help: 'Frames kept as candidate hard negatives, per camera.', labelNames: ['camera'], registers: [registry] });
  const trainings = new Counter({ name: `${PREFIX}training_runs_total`, help: 'Finished training runs by outcome (complete, failed, rejected).', labelNames: ['outcome'], registers: [registry] });

  return {
    registry,
    name: 'metrics',
    critical: false,
    start: () => undefined,
    stop: () => undefined,
    recordMined(camera: string) {
      mined.inc({ camera });
    },
    recordTrainState(state: string) {
      if (state === 'complete' || state === 'failed' || state === 'rejected') trainings.inc({ outcome: state });
    },
    recordInference(ms: number) {
      inference.observe(ms / 1000);
    },
    recordEvent(camera: string, type: string) {
      events.inc({ camera, type });
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
