/** Every MQTT topic catwatch uses, and its payload type, in one place (docs/architecture.md, "MQTT contract"). */

export interface NormBoxPayload { x: number; y: number; w: number; h: number }

export interface EventPayload {
  type: 'new' | 'update' | 'end';
  id: string;
  camera: string;
  label: string;
  score: number;
  top_score: number;
  /** Parts of `score` (null on an `end` sent by the timer, or for models trained before v2): the backbone's own
   *  probability, the head's contribution in logits, and how close the image was to the training data (0..1). */
  prior: number | null;
  head: number | null;
  trust: number | null;
  box: NormBoxPayload | null;
  /** The tracked object that started the event (per camera). */
  track_id: number;
  /** The camera's light mode when the event started or last improved: colour (day) or greyscale IR (night). */
  light_mode: 'day' | 'night';
  /** The track's evidence (median of its recent scores) that started the event or last improved it. */
  evidence: number;
  start_time: number;
  end_time: number | null;
  model_version: string;
  has_snapshot: boolean;
}

export interface CameraStatsPayload {
  fps: number;
  frames: number;
  dropped: number;
  regions_scored: number;
  restarts: number;
  connected: boolean;
}

export interface StatsPayload {
  uptime_s: number;
  inference_ms_p50: number;
  inference_ms_p95: number;
  /** Frame capture to scored result. */
  latency_ms_p50: number;
  latency_ms_p95: number;
  score_queue_depth: number;
  outbox_depth: number;
  /** Events held in memory because the disk cannot be written (full), and why; absent when all is on disk. */
  outbox_held_in_memory?: number;
  storage_error?: string;
  /** With backbone: triton, the inference server link (up, requests, failures, batches scored locally instead). */
  inference_server?: { up: boolean; state: string; server: string; requests: number; failures: number; fallback_batches: number; reason?: string };
  model_version: string;
  cameras: Record<string, CameraStatsPayload>;
}

export type TrainState = 'idle' | 'running' | 'complete' | 'failed' | 'rejected';

export interface TrainStatePayload {
  state: TrainState;
  reason?: string;
  version?: string;
  metrics?: Record<string, number>;
  message?: string;
  at: number;
}

export interface SampleSetPayload { id: number; label: 'negative' | 'positive' | 'rejected' | 'mined' }

/**
 * The topic layout. Without a node id, one catwatch per broker: the service's own topics sit under `<base>/` (the
 * contract in docs/architecture.md). With `node.id` set, several catwatch nodes share the broker: what belongs to the node (its
 * availability and last will, status, stats, training, sample labels) moves under `<base>/nodes/<id>/`, so no two
 * nodes overwrite each other's retained state, while camera topics and the event stream stay keyed by camera, so a
 * camera moved to another node keeps its topics and its Home Assistant entities.
 */
export function topics(base: string, nodeId?: string) {
  const node = nodeId === undefined ? base : `${base}/nodes/${nodeId}`;
  return {
    /** `online` / `offline` of this node (retained; the last will). */
    available: `${node}/available`,
    /** Per camera: `online` while it delivers frames, `offline` while it is down (retained). */
    cameraAvailable: (camera: string) => `${base}/${camera}/available`,
    /** The node's status snapshot (stages, cameras, model), retained JSON. */
    status: `${node}/status`,
    events: `${base}/events`,
    stats: `${node}/stats`,
    state: (camera: string, label: string) => `${base}/${camera}/${label}`,
    snapshot: (camera: string, label: string) => `${base}/${camera}/${label}/snapshot`,
    score: (camera: string, label: string) => `${base}/${camera}/${label}/score`,
    trainState: `${node}/train/state`,
    trainSet: `${node}/train/set`,
    samplesSet: `${node}/samples/set`,
  } as const;
}

export type Topics = ReturnType<typeof topics>;
