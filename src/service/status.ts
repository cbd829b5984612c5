/**
 * The service's status snapshot: every stage's state, every camera's health, the model. Served at GET /api/status
 * and published retained on `<base>/status` whenever it changes (so a failed optional stage, e.g. HTTP on a taken
 * port, is visible even without HTTP). Tests and operators poll it instead of reading logs.
 */
import type { CameraIngestStats } from '../ingest/camera-ingest.js';
import type { ConfigHistory } from '../config/config-store.js';
import type { CameraThreshold } from '../events/camera-thresholds.js';
import type { LightMode } from '../model/operating-point.js';
import type { MqttPublisher } from '../publish/mqtt-publisher.js';
import type { ServicePhase, StageReport } from './stage-runner.js';

export interface CameraStatus {
  up: boolean;
  connected: boolean;
  frames: number;
  restarts: number;
  lastError: string | null;
  /** The camera's own threshold under the false-alarm budget, with its figures; null when the budget is off. */
  threshold: CameraThreshold | null;
  /** Colour (day) or greyscale IR (night) frames, which picks the model's operating point; null before a frame was scored. */
  lightMode: LightMode | null;
}

export interface StatusSnapshot {
  state: ServicePhase;
  /** This node's id (node.id, else the host name): which catwatch this is when several share a broker. */
  node: string;
  version: string;
  startedAt: string;
  stages: StageReport[];
  cameras: Record<string, CameraStatus>;
  model: { version: string | null };
  /** The last config reload that changed something, and the last refused one. */
  config: ConfigHistory;
}

export interface StatusDeps {
  node: string;
  version: string;
  stages: () => StageReport[];
  phase: () => ServicePhase;
  cameraStats: () => Map<string, CameraIngestStats>;
  camerasUp: () => Map<string, boolean>;
  modelVersion: () => string | undefined;
  configHistory: () => ConfigHistory;
  publisher: MqttPublisher;
  cameraThresholds?: () => Record<string, CameraThreshold>;
  lightModes?: () => Record<string, LightMode>;
  checkIntervalMs?: number;
}

export function createStatus(deps: StatusDeps) {
  const startedAt = new Date().toISOString();
  let timer: NodeJS.Timeout | undefined;
  /** The last published snapshot without frame counts, which change all the time. */
  let lastKey = '';

  function snapshot(): StatusSnapshot {
    const stats = deps.cameraStats();
    const thresholds = deps.cameraThresholds?.() ?? {};
    const modes = deps.lightModes?.() ?? {};
    const cameras: Record<string, CameraStatus> = {};
    for (const [camera, up] of deps.camerasUp()) {
      const s = stats.get(camera);
      const threshold = thresholds[camera] ?? null;
      cameras[camera] = { up, connected: s?.connected ?? false, frames: s?.frames ?? 0, restarts: s?.restarts ?? 0, lastError: s?.lastError ?? null, threshold, lightMode: modes[camera] ?? null };
    }
    return { state: deps.phase(), node: deps.node, version: deps.version, startedAt, stages: deps.stages(), cameras, model: { version: deps.modelVersion() ?? null }, config: deps.configHistory() };
  }

  function publishIfChanged(force = false): void {
    const now = snapshot();
    const key = JSON.stringify({ ...now, cameras: Object.entries(now.cameras).map(([c, s]) => [c, s.up, s.connected, s.threshold?.threshold, s.lightMode]) });
    if (!force && key === lastKey) return;
    lastKey = key;
    deps.publisher.publishLatest(deps.publisher.topics.status, JSON.stringify(now), { retain: true, qos: 1 });
  }

  return {
    name: 'status',
    critical: false,
    snapshot,
    /** Publish now if something changed (a control event: camera up/down, model swap, training). */
    refresh: (): void => publishIfChanged(),
    start() {
      deps.publisher.onConnect(() => publishIfChanged(true));
      timer = setInterval(() => publishIfChanged(), deps.checkIntervalMs ?? 1000);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
