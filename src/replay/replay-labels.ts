/**
 * Ground truth for replays: a YAML (or JSON) file mapping a clip's file name to the intervals, in seconds of the
 * clip, where the target is visible. A clip listed with `[]` has no target; a clip not listed is replayed without
 * figures. Example:
 *
 *   demo-cat.mp4: [[3.5, 10.5]]
 *   garden-night.mp4: []
 *
 * Scoring, per clip: a visit counts as detected when an event overlaps it (recall = detected / visits); an event
 * that overlaps no visit is a false event (per camera-hour: false events / clip hours); time to first detection is
 * the first overlapping event's start minus the visit's start (0 when the event began before it).
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { CatwatchError, errorMessage } from '../util/errors.js';

const intervalSchema = z.tuple([z.number().min(0), z.number().min(0)]).refine(([a, b]) => b > a, 'an interval ends after it starts');
const labelsSchema = z.record(z.string().min(1), z.array(intervalSchema));

export type ReplayLabels = z.infer<typeof labelsSchema>;

export function loadReplayLabels(path: string): ReplayLabels {
  let raw: unknown;
  try {
    raw = parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new CatwatchError('E_REPLAY_LABELS', `${path}: ${errorMessage(err)}`);
  }
  const parsed = labelsSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new CatwatchError('E_REPLAY_LABELS', `${path}: expected a mapping of clip file name to [[startS, endS], ...]`, { details });
  }
  return parsed.data;
}

export interface ClipScore {
  visits: number;
  detectedVisits: number;
  /** null when the clip has no visit. */
  recall: number | null;
  falseEvents: number;
  falseEventsPerHour: number;
  /** Seconds from each detected visit's start to its first event. */
  timeToFirstDetectionS: number[];
}

/** [startS, endS] of each finished event (every event ends: replay closes the open one at the clip's end). */
export function eventSpans(events: ReadonlyArray<{ type: string; start_time: number; end_time: number | null }>): Array<[number, number]> {
  return events.filter((e) => e.type === 'end').map((e): [number, number] => [e.start_time, e.end_time ?? e.start_time]);
}

/** `events`: [startS, endS] of each event of the clip. */
export function scoreClip(events: ReadonlyArray<[number, number]>, visits: ReadonlyArray<[number, number]>, durationS: number): ClipScore {
  const overlaps = (e: [number, number], v: readonly [number, number]): boolean => e[0] <= v[1] && e[1] >= v[0];
  const firsts = visits.map((v) => events.filter((e) => overlaps(e, v)).map((e) => Math.round(Math.max(0, e[0] - v[0]) * 1000) / 1000)[0]);
  const detected = firsts.filter((t): t is number => t !== undefined);
  const falseEvents = events.filter((e) => !visits.some((v) => overlaps(e, v))).length;
  return {
    visits: visits.length,
    detectedVisits: detected.length,
    recall: visits.length === 0 ? null : detected.length / visits.length,
    falseEvents,
    falseEventsPerHour: durationS > 0 ? falseEvents / (durationS / 3600) : 0,
    timeToFirstDetectionS: detected,
  };
}
