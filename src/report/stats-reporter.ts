/**
 * `<base>/stats` every `stats.intervalS`: per camera fps, frames, drops, restarts; inference time and the latency
 * from frame capture to scored result (p50/p95 over a recent window); queue and outbox depths.
 */
import type { Config } from '../config/schema.js';
import type { RemoteBackboneStats } from '../model/backbone.js';
import type { CameraIngestStats } from '../ingest/camera-ingest.js';
import type { ScorePool } from '../score/score-pool.js';
import type { ScoredFrame } from '../score/score-stage.js';
import type { Logger } from '../util/log.js';
import type { MqttPublisher } from '../publish/mqtt-publisher.js';
import type { Outbox } from '../publish/outbox.js';
import type { StatsPayload } from '../publish/topics.js';

const WINDOW = 500;

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export interface StatsReporterDeps {
  config: () => Config;
  publisher: MqttPublisher;
  outbox: Outbox;
  pool: ScorePool;
  cameraStats: () => Map<string, CameraIngestStats>;
  scoreStats: (camera: string) => { dropped: number; scored: number; regions: number } | undefined;
  modelVersion: () => string;
  log: Logger;
}

export function createStatsReporter(deps: StatsReporterDeps) {
  const startedAt = Date.now();
  const latencyMs: number[] = [];
  let timer: NodeJS.Timeout | undefined;

  function snapshot(): StatsPayload {
    const inference = deps.pool.stats().inferenceMs;
    const cameras: StatsPayload['cameras'] = {};
    for (const [name, s] of deps.cameraStats()) {
      const sc = deps.scoreStats(name);
      cameras[name] = { fps: Math.round(s.fps * 100) / 100, frames: s.frames, dropped: sc?.dropped ?? 0, regions_scored: sc?.regions ?? 0, restarts: s.restarts, connected: s.connected };
    }
    return {
      uptime_s: Math.round((Date.now() - startedAt) / 1000),
      inference_ms_p50: round(percentile(inference, 50)),
      inference_ms_p95: round(percentile(inference, 95)),
      latency_ms_p50: round(percentile(latencyMs, 50)),
      latency_ms_p95: round(percentile(latencyMs, 95)),
      score_queue_depth: deps.pool.stats().queueDepth,
      outbox_depth: deps.outbox.depth(),
      ...(deps.outbox.storageError() === undefined ? {} : { outbox_held_in_memory: deps.outbox.heldInMemory(), storage_error: deps.outbox.storageError() }),
      ...inferenceServer(deps.pool.remoteStats()),
      model_version: deps.modelVersion(),
      cameras,
    };
  }

  function arm(): void {
    clearInterval(timer);
    const publish = (): void => deps.publisher.publishLatest(deps.publisher.topics.stats, JSON.stringify(snapshot()));
    timer = setInterval(publish, deps.config().stats.intervalS * 1000);
    timer.unref();
  }

  return {
    name: 'stats',
    critical: false,
    livePaths: ['stats.intervalS'],
    start: arm,
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
    applyConfig: arm,
    recordScored(scored: ScoredFrame) {
      latencyMs.push(Date.now() - scored.frame.capturedAtMs);
      if (latencyMs.length > WINDOW) latencyMs.splice(0, latencyMs.length - WINDOW);
    },
    snapshot,
  };
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

function inferenceServer(remote: RemoteBackboneStats | undefined): Pick<StatsPayload, 'inference_server'> {
  if (!remote) return {};
  const { up, state, server, requests, failures, fallbackBatches, reason } = remote;
  return { inference_server: { up, state, server, requests, failures, fallback_batches: fallbackBatches, ...(reason === undefined ? {} : { reason }) } };
}
