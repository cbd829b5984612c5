/**
 * The score stage: takes a frame with the regions motion chose, crops them, embeds them in the worker pool (where
 * they batch with other cameras' regions) and applies the current head. Each camera has at most one job in flight
 * and one waiting; a newer job replaces the waiting one (newest wins, drops counted). Across cameras, at most
 * `maxInFlightJobs` jobs are in the pool at once and cameras take turns: when the machine is behind, frames are
 * dropped here rather than queued in the pool, so latency stays near one inference instead of growing with the
 * number of cameras. The model can be swapped at any time (`setModel`): the next job uses it, nothing restarts.
 */
import type { Frame } from '../ingest/frame.js';
import { cropRgb } from '../image/resize-rgb.js';
import type { Logger } from '../util/log.js';
import type { BackboneOutput } from '../model/backbone.js';
import type { NormBox, RgbImage } from '../image/image.js';
import type { ScoreParts } from '../model/score-combiner.js';
import type { TargetModel } from '../model/target-model.js';

export interface ScoreJob {
  frame: Frame;
  /** Square regions to score, normalised; empty = nothing moved and no full frame due. */
  regions: NormBox[];
  fullFrame: boolean;
}

export interface RegionScore {
  /** The region that was scored (motion box or the full frame). */
  box: NormBox;
  score: number;
  /** Where the target would be: the detector's box mapped into the frame when it has one, else the region. */
  target: NormBox;
}

export interface ScoredFrame {
  frame: Frame;
  /** Best region's score (calibrated probability). */
  score: number;
  /** What the best region's score is made of: the backbone's prior, the head's contribution, the guard's trust. */
  parts: ScoreParts;
  /** Where the target is (the detector's box mapped into the frame when it has one, else the region). */
  box: NormBox | null;
  regions: RegionScore[];
  /** Embedding of the best region (for mining). */
  embedding: Float32Array | null;
  crop: RgbImage | null;
  model: TargetModel;
  inferenceMs: number;
}

export interface ScoreStageDeps {
  embed: (images: RgbImage[]) => Promise<BackboneOutput[]>;
  log: Logger;
  onScored: (result: ScoredFrame) => void;
  /** Jobs in the pool at once (all cameras); about 2 per worker keeps workers busy and batches across cameras. */
  maxInFlightJobs: () => number;
  now?: () => number;
}

interface CameraState { busy: boolean; waiting: ScoreJob | undefined; dropped: number; scored: number; regions: number }

const FULL: NormBox = { x: 0, y: 0, w: 1, h: 1 };

export function regionPixels(frame: { width: number; height: number }, box: NormBox) {
  const x = Math.max(0, Math.min(frame.width - 1, Math.round(box.x * frame.width)));
  const y = Math.max(0, Math.min(frame.height - 1, Math.round(box.y * frame.height)));
  const w = Math.max(1, Math.min(frame.width - x, Math.round(box.w * frame.width)));
  const h = Math.max(1, Math.min(frame.height - y, Math.round(box.h * frame.height)));
  return { x, y, w, h };
}

/** A box relative to a region → relative to the whole frame. */
function toFrame(region: NormBox, inner: NormBox): NormBox {
  return { x: region.x + inner.x * region.w, y: region.y + inner.y * region.h, w: inner.w * region.w, h: inner.h * region.h };
}

/** Crops the job's regions (plus the full frame when due), embeds them in one call, keeps the best region. */
export async function scoreJob(job: ScoreJob, current: TargetModel, embed: ScoreStageDeps['embed'], now: () => number): Promise<ScoredFrame> {
  const boxes = job.fullFrame ? [FULL, ...job.regions] : job.regions;
  const crops = boxes.map((b) => (b === FULL ? job.frame : cropRgb(job.frame, regionPixels(job.frame, b))));
  const started = now();
  const outputs = await embed(crops);
  const inferenceMs = now() - started;
  const explained = outputs.map((out) => current.explain(out));
  const regions = explained.map((parts, i): RegionScore => {
    const inner = outputs[i].box;
    return { box: boxes[i], score: parts.score, target: inner ? toFrame(boxes[i], inner) : boxes[i] };
  });
  let best = 0;
  for (let i = 1; i < regions.length; i++) if (regions[i].score > regions[best].score) best = i;
  const top = outputs[best];
  return {
    frame: job.frame,
    score: regions[best].score,
    parts: explained[best],
    box: regions[best].target,
    regions,
    embedding: top.embedding,
    crop: crops[best],
    model: current,
    inferenceMs,
  };
}

export function createScoreStage(deps: ScoreStageDeps) {
  const log = deps.log.child({ component: 'score' });
  const now = deps.now ?? Date.now;
  const cameras = new Map<string, CameraState>();
  let model: TargetModel | undefined;
  let stopped = false;

  async function run(job: ScoreJob, state: CameraState, current: TargetModel): Promise<void> {
    const scored = await scoreJob(job, current, deps.embed, now);
    state.scored++;
    state.regions += scored.regions.length;
    deps.onScored(scored);
  }

  /** Cameras with a waiting job, in the order they will be served (round robin). */
  const turn: string[] = [];
  let inFlight = 0;

  function pump(): void {
    const current = model;
    if (!current || stopped) return;
    for (let i = 0; i < turn.length && inFlight < deps.maxInFlightJobs(); ) {
      const camera = turn[i];
      const state = cameras.get(camera);
      if (!state?.waiting) {
        turn.splice(i, 1);
        continue;
      }
      if (state.busy) {
        i++; // keeps its turn; its observations must stay in order
        continue;
      }
      turn.splice(i, 1);
      const job = state.waiting;
      state.waiting = undefined;
      state.busy = true;
      inFlight++;
      run(job, state, current)
        .catch((err: unknown) => {
          if (!stopped) log.warn({ camera, err: (err as Error).message }, 'scoring failed, frame skipped');
        })
        .finally(() => {
          state.busy = false;
          inFlight--;
          pump();
        });
    }
  }

  return {
    start() {
      stopped = false;
    },
    stop() {
      stopped = true;
    },
    setModel(next: TargetModel) {
      if (model && model.version !== next.version) log.info({ from: model.version, to: next.version }, 'model swapped');
      model = next;
      pump();
    },
    model: () => model,
    submit(job: ScoreJob) {
      if (job.regions.length === 0 && !job.fullFrame) return;
      let state = cameras.get(job.frame.camera);
      if (!state) {
        state = { busy: false, waiting: undefined, dropped: 0, scored: 0, regions: 0 };
        cameras.set(job.frame.camera, state);
      }
      if (state.waiting) state.dropped++;
      else turn.push(job.frame.camera);
      state.waiting = job;
      pump();
    },
    stats(camera: string) {
      const s = cameras.get(camera);
      return { dropped: s?.dropped ?? 0, scored: s?.scored ?? 0, regions: s?.regions ?? 0, busy: s?.busy ?? false };
    },
  };
}

export type ScoreStage = ReturnType<typeof createScoreStage>;
