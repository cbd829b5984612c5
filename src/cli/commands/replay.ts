/**
 * `catwatch replay CLIP...`: recorded clips through the real pipeline code as fast as the CPU allows (see
 * src/replay/replay-clip.ts), with figures against a labels file. What a threshold, mask or model does to a
 * camera's alerts, before it goes live.
 */
import type { CameraConfig } from '../../config/schema.js';
import { replayCamera } from '../../replay/replay-camera.js';
import { cameraThresholdFromStore } from '../../events/camera-thresholds.js';
import { openDatabase } from '../../store/database.js';
import { createSampleStore } from '../../store/sample-store.js';
import { createTargetModel, type TargetModel } from '../../model/target-model.js';
import { replayClip, type ClipSummary, type ReplayEvent } from '../../replay/replay-clip.js';
import { eventSpans, loadReplayLabels, scoreClip, type ClipScore, type ReplayLabels } from '../../replay/replay-labels.js';
import { CatwatchError, EXIT_FAILURE, EXIT_OK, errorMessage } from '../../util/errors.js';
import type { CliIo } from '../command.js';
import { parseCommandArgs, type Command } from '../command.js';
import { MODEL_OPTIONS, MODEL_OPTIONS_HELP, openModelContext, startPool, type ModelContext } from '../model-context.js';
import { createProgress } from '../progress.js';

const HELP = `Usage: catwatch replay [options] CLIP...

Runs recorded clips through catwatch's pipeline (ffmpeg decoding at detectFps, motion gating, region scoring, tracks
and their evidence at the model's day/night operating point, event hysteresis, mining policy as a dry run) as fast as the CPU allows, with the current model (or --model VERSION) and
the settings of a configured camera. Prints each clip's events and a summary; with --labels, also event recall,
false events per camera-hour and time to first detection.

Labels file (YAML or JSON): clip file name → intervals in seconds where the target is visible, e.g.
  demo-cat.mp4: [[3.5, 10.5]]
  garden-night.mp4: []

With --json: one line per event (the MQTT events payload plus "clip"), then one line per clip: {"summary": {"clip",
"durationS", "frames", "framesScored", "regionsScored", "events", "minedCandidates", "score": null | {"visits",
"detectedVisits", "recall", "falseEvents", "falseEventsPerHour", "timeToFirstDetectionS"}}} or {"summary":
{"clip", "error"}}.
A clip that cannot be decoded gives an error line and the others still run; the exit code is then 1.

Options:
${MODEL_OPTIONS_HELP}
      --camera NAME    use this configured camera's settings (default: the first camera, else the defaults)
      --model VERSION  replay with this model version instead of the current one
      --labels FILE    ground truth for the figures
      --json           JSON lines output
  -h, --help           show this help
`;

type ClipResult = { summary: ClipSummary; score?: ClipScore } | { clip: string; error: string };

function summaryText(r: ClipResult): string {
  if ('error' in r) return `error  ${r.error}\n`;
  const s = r.summary;
  const head = `${s.clip}: ${s.events} event(s) in ${s.durationS.toFixed(1)} s; ${s.framesScored}/${s.frames} frames scored, ${s.regionsScored} regions, ${s.minedCandidates} mining candidate(s)`;
  if (!r.score) return `${head}\n`;
  const c = r.score;
  const recall = c.recall === null ? 'no visit' : `recall ${c.detectedVisits}/${c.visits}`;
  const first = c.timeToFirstDetectionS.length > 0 ? `, first detection after ${c.timeToFirstDetectionS.map((t) => t.toFixed(1)).join('/')} s` : '';
  return `${head}\n  ${recall}, ${c.falseEvents} false event(s) = ${c.falseEventsPerHour.toFixed(1)} per camera-hour${first}\n`;
}

function eventText(e: ReplayEvent): string {
  const at = e.type === 'end' ? (e.end_time ?? 0) : e.start_time;
  return `  ${at.toFixed(1).padStart(6)} s  ${e.type.padEnd(6)} ${e.id}  track ${e.track_id} (${e.light_mode})  score ${e.score.toFixed(3)} (top ${e.top_score.toFixed(3)}, evidence ${e.evidence.toFixed(3)})\n`;
}

interface ReplayOptions { json: boolean; labels?: ReplayLabels; embed: Parameters<typeof replayClip>[0]['embed']; eventThreshold?: number }

async function replayAll(ctx: ModelContext, model: TargetModel, camera: CameraConfig, clips: readonly string[], opts: ReplayOptions, io: CliIo): Promise<ClipResult[]> {
  const progress = createProgress(!opts.json && Boolean(process.stderr.isTTY));
  const results: ClipResult[] = [];
  for (const [i, clip] of clips.entries()) {
    progress.update('replay', i, clips.length);
    let result: ClipResult;
    try {
      const { events, summary } = await replayClip({ clip, camera, config: ctx.config, model, embed: opts.embed, eventThreshold: opts.eventThreshold, onEvent: (e) => io.stdout.write(opts.json ? `${JSON.stringify(e)}\n` : eventText(e)) });
      const visits = opts.labels?.[summary.clip];
      const spans = eventSpans(events);
      result = { summary, ...(visits ? { score: scoreClip(spans, visits, summary.durationS) } : {}) };
    } catch (err) {
      result = { clip, error: errorMessage(err) };
    }
    results.push(result);
    io.stdout.write(opts.json ? `${JSON.stringify({ summary: 'error' in result ? result : { ...result.summary, score: result.score ?? null } })}\n` : summaryText(result));
  }
  progress.update('replay', clips.length, clips.length);
  return results;
}

/** With a false-alarm budget, the camera's own threshold from its samples in dataDir, as the service would set it. */
function budgetThresholdFor(ctx: ModelContext, cameraName: string, model: TargetModel, io: CliIo, json: boolean): number | undefined {
  if (ctx.config.events.maxFalseAlarmsPerHour === undefined) return undefined;
  const db = openDatabase(ctx.config.dataDir);
  try {
    const store = createSampleStore({ db, dataDir: ctx.config.dataDir, log: ctx.log });
    const learned = cameraThresholdFromStore(store, cameraName, model, ctx.config, Date.now());
    if (!learned) return undefined;
    const line = { camera: cameraName, ...learned };
    io.stdout.write(json ? `${JSON.stringify({ cameraThreshold: line })}\n` : `camera ${cameraName}: threshold ${learned.threshold.toFixed(4)} (model ${model.threshold.toFixed(4)}) under the false-alarm budget: ${learned.falseAlarmsPerHour.toFixed(2)}/h expected from ${learned.negatives} negatives over ${learned.hours.toFixed(1)} h, ${learned.positivesLost} of ${learned.positives} confirmed target frames no longer accepted\n`);
    return learned.threshold;
  } finally {
    db.close();
  }
}

export const replayCommand: Command = {
  name: 'replay',
  summary: 'run recorded clips through the pipeline: events, recall, false alarms per camera-hour',
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { ...MODEL_OPTIONS, camera: { type: 'string' }, model: { type: 'string' }, labels: { type: 'string' }, json: { type: 'boolean' } }, true);
    if (positionals.length === 0) throw new CatwatchError('E_USAGE', 'give at least one clip');
    const labels = values.labels ? loadReplayLabels(values.labels) : undefined;
    const ctx = openModelContext(values, { quiet: true });
    const camera = replayCamera(ctx.config, values.camera);
    const { pool, info } = await startPool(ctx);
    try {
      const version = values.model ? ctx.registry.load(values.model) : ctx.registry.loadCurrent(info.id);
      if (version.manifest.backbone.id !== info.id) {
        throw new CatwatchError('E_MODEL_INVALID', `model ${version.manifest.version} was trained on ${version.manifest.backbone.id}, but the backbone in use is ${info.id} (set model.backbone)`);
      }
      const model = createTargetModel(version, { thresholdOverride: ctx.config.model.threshold });
      const eventThreshold = budgetThresholdFor(ctx, camera.name, model, io, Boolean(values.json));
      const results = await replayAll(ctx, model, camera, positionals, { json: Boolean(values.json), labels, embed: (images) => pool.embed(images), eventThreshold }, io);
      return results.some((r) => 'error' in r) ? EXIT_FAILURE : EXIT_OK;
    } finally {
      await pool.stop();
    }
  },
};
