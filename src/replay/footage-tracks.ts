/**
 * Camera footage as calibration data: clips replayed through the pipeline code (motion gating, region scoring,
 * tracks, the decision's evidence) and summarised per track, for choosing the operating point
 * (src/train/operating-point.ts) and for the `footage` bench. Only the evidence is kept, so the threshold can be
 * chosen afterwards without replaying again.
 */
import { basename } from 'node:path';
import type { CameraConfig, Config } from '../config/schema.js';
import type { RgbImage } from '../image/image.js';
import type { BackboneOutput } from '../model/backbone.js';
import type { LightMode } from '../model/operating-point.js';
import type { TargetModel } from '../model/target-model.js';
import type { NegativeClipTracks } from '../train/operating-point.js';
import { replayClip } from './replay-clip.js';

export interface ClipTracks extends NegativeClipTracks {
  /** Every decided evidence in clip order: [atMs, trackId, evidence] (time to first detection at any threshold). */
  timeline: Array<[number, number, number]>;
}

export interface FootageDeps {
  config: Config;
  camera: CameraConfig;
  model: TargetModel;
  embed: (images: RgbImage[]) => Promise<BackboneOutput[]>;
}

export async function clipTracks(clip: string, deps: FootageDeps): Promise<ClipTracks> {
  const best = new Map<number, number>();
  const modes: Record<LightMode, number> = { day: 0, night: 0 };
  const timeline: ClipTracks['timeline'] = [];
  // An impossible threshold: the replay must not open events, so every track is judged on its own, as calibration needs.
  const model: TargetModel = { ...deps.model, eventThreshold: () => Number.POSITIVE_INFINITY };
  const { summary } = await replayClip({
    clip, camera: deps.camera, config: { ...deps.config, mine: { ...deps.config.mine, enabled: false } }, model, embed: deps.embed,
    onEvidence: (trackId, evidence, obs) => {
      best.set(trackId, Math.max(best.get(trackId) ?? 0, evidence));
      modes[obs.mode]++;
      timeline.push([obs.atMs, trackId, evidence]);
    },
  });
  return { clip: basename(clip), durationS: summary.durationS, mode: modes.night > modes.day ? 'night' : 'day', maxEvidence: [...best.values()], timeline };
}

/** When a clip first has a track at or above the threshold (seconds into the clip), or null. */
export function firstAbove(tracks: Pick<ClipTracks, 'timeline'>, threshold: number): number | null {
  const hit = tracks.timeline.find(([, , evidence]) => evidence >= threshold);
  return hit ? hit[0] / 1000 : null;
}

/** Tracks of a target-free clip that would start an event at this threshold (an upper bound on its false events). */
export function tracksAbove(tracks: Pick<ClipTracks, 'maxEvidence'>, threshold: number): number {
  return tracks.maxEvidence.filter((e) => e >= threshold).length;
}
