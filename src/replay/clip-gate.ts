/**
 * Regression clips in the training gate: the user's own labelled clips (`train.clipsDir`, default
 * `<dataDir>/clips`, with a `labels.yml` there; see replay-labels.ts). A candidate model is accepted only if, replayed
 * on them, it raises no more false events and misses no more target visits than the current model.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CameraConfig, Config } from '../config/schema.js';
import type { RgbImage } from '../image/image.js';
import type { BackboneOutput } from '../model/backbone.js';
import type { TargetModel } from '../model/target-model.js';
import { replayClip } from './replay-clip.js';
import { eventSpans, loadReplayLabels, scoreClip } from './replay-labels.js';

export interface ClipFigures { clips: number; visits: number; missedVisits: number; falseEvents: number }

export interface ClipGateResult {
  reasons: string[];
  /** Flat numbers for the manifest and train/state: clipFalseEvents, clipMissedVisits, and the current model's. */
  metrics: Record<string, number>;
}

export interface RegressionClip { path: string; visits: Array<[number, number]> }

export function clipsDirOf(config: Config): string {
  return config.train.clipsDir ?? join(config.dataDir, 'clips');
}

/** The labelled clips of the folder that exist; undefined when it has no labels.yml. */
export function findRegressionClips(dir: string): RegressionClip[] | undefined {
  const labelsPath = join(dir, 'labels.yml');
  if (!existsSync(labelsPath)) return undefined;
  return Object.entries(loadReplayLabels(labelsPath))
    .map(([name, visits]) => ({ path: join(dir, name), visits }))
    .filter((c) => existsSync(c.path));
}

export async function replayFigures(clips: readonly RegressionClip[], deps: { config: Config; camera: CameraConfig; model: TargetModel; embed: (images: RgbImage[]) => Promise<BackboneOutput[]> }): Promise<ClipFigures> {
  const total: ClipFigures = { clips: clips.length, visits: 0, missedVisits: 0, falseEvents: 0 };
  for (const clip of clips) {
    const { events, summary } = await replayClip({ clip: clip.path, camera: deps.camera, config: deps.config, model: deps.model, embed: deps.embed });
    const spans = eventSpans(events);
    const s = scoreClip(spans, clip.visits, summary.durationS);
    total.visits += s.visits;
    total.missedVisits += s.visits - s.detectedVisits;
    total.falseEvents += s.falseEvents;
  }
  return total;
}

export function compareClipFigures(candidate: ClipFigures, current: ClipFigures | null): string[] {
  if (!current) return [];
  const reasons: string[] = [];
  if (candidate.falseEvents > current.falseEvents) reasons.push(`more false events on the regression clips (${candidate.falseEvents} > ${current.falseEvents})`);
  if (candidate.missedVisits > current.missedVisits) reasons.push(`more missed target visits on the regression clips (${candidate.missedVisits} > ${current.missedVisits})`);
  return reasons;
}

/** The gate check for `runTraining`, or undefined when there are no regression clips. */
export function createClipGate(deps: { config: Config; camera: CameraConfig; current: TargetModel | undefined; embed: (images: RgbImage[]) => Promise<BackboneOutput[]> }): ((candidate: TargetModel) => Promise<ClipGateResult>) | undefined {
  const clips = findRegressionClips(clipsDirOf(deps.config));
  if (!clips || clips.length === 0) return undefined;
  return async (candidate) => {
    const mine = await replayFigures(clips, { ...deps, model: candidate });
    const current = deps.current ? await replayFigures(clips, { ...deps, model: deps.current }) : null;
    const metrics: Record<string, number> = { clipCount: mine.clips, clipVisits: mine.visits, clipFalseEvents: mine.falseEvents, clipMissedVisits: mine.missedVisits };
    if (current) Object.assign(metrics, { baselineClipFalseEvents: current.falseEvents, baselineClipMissedVisits: current.missedVisits });
    return { reasons: compareClipFigures(mine, current), metrics };
  };
}
