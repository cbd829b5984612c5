/**
 * Does mining make catwatch better on its cameras? Rounds of run → mine → label → retrain → replay on the shared
 * clips (../shared/data/video): every clip is replayed with the current model and mining on (src/replay), the
 * mined frames are stored and labelled by a simulated user who is always right (frames of `nocat_*` clips are
 * negatives, of `cat_*` clips positives: the cat is in view for their whole length), the model is retrained on them
 * (the normal training run with its gate) and every clip is replayed again. Per round: samples mined, false events
 * per camera-hour on the no-cat clips, cat-event recall, training time.
 *   npm run bench -- mining-rounds [-- --backbone objectron|mobilenetv2-12-int8] [--rounds 3] [--smoke]
 * --smoke: one round on two short clips (a wiring check, not a measurement). Prints a markdown table and one JSON
 * line per round.
 */
import { mkdtempSync, readdirSync, rmSync, symlinkSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseConfig } from '../src/config/load-config.js';
import { installedModelPath } from '../src/model/model-catalog.js';
import { createTargetModel } from '../src/model/target-model.js';
import { createRegistry } from '../src/registry/registry.js';
import { replayClip } from '../src/replay/replay-clip.js';
import { replayCamera } from '../src/replay/replay-camera.js';
import { eventSpans, scoreClip } from '../src/replay/replay-labels.js';
import { resolveBackboneSpec } from '../src/score/backbone-spec.js';
import { createScorePool } from '../src/score/score-pool.js';
import type { ScoredFrame } from '../src/score/score-stage.js';
import { openDatabase } from '../src/store/database.js';
import { createSampleStore } from '../src/store/sample-store.js';
import { dHash, hashToHex } from '../src/mine/perceptual-hash.js';
import { openEmbeddingCache } from '../src/train/embedding-cache.js';
import { loadStoreItems } from '../src/train/store-items.js';
import { loadBundledBase, runTraining } from '../src/train/train-run.js';
import { silentLogger } from '../src/util/log.js';
import { bundledModelsDir } from '../src/util/package-root.js';
import { argValue } from './dev-embeddings.js';

const argv = process.argv.slice(2);
const smoke = argv.includes('--smoke');
const backbone = argValue(argv, '--backbone', 'objectron');
const rounds = smoke ? 1 : Number(argValue(argv, '--rounds', '3'));
const videoDir = resolve(process.env.CATWATCH_SHARED_DIR ?? join(process.cwd(), '..', 'shared'), 'data', 'video');
const allClips = readdirSync(videoDir).filter((f) => f.endsWith('.mp4')).sort();
const clips = smoke ? [allClips.find((c) => c.startsWith('cat_')), allClips.find((c) => c.startsWith('nocat_dashcam'))].filter((c): c is string => c !== undefined) : allClips;
const log = silentLogger();

interface RoundFigures { round: number; model: string; mined: number; falseEventsPerHour: number; falseEvents: number; noCatHours: number; recall: number; trainingS: number; accepted: boolean | null; decision?: string }

const dataDir = mkdtempSync(join(tmpdir(), 'cw-mining-rounds-'));
if (backbone !== 'objectron') {
  mkdirSync(join(dataDir, 'backbones'), { recursive: true });
  symlinkSync(resolve(videoDir, '..', '..', 'models', `${backbone}.onnx`), installedModelPath(dataDir, backbone));
}
const config = parseConfig({ dataDir, model: { backbone, runtime: 'cpu' }, mine: { maxPerCameraPerHour: 1000 } }, { baseDir: dataDir, env: {} });
const registry = createRegistry({ dataDir, bundledDir: bundledModelsDir() });
const pool = createScorePool({ spec: resolveBackboneSpec(config.model, dataDir), log, workers: 0, batchSize: 8, queueMax: 1024 });
const info = await pool.start();
const db = openDatabase(dataDir);
const store = createSampleStore({ db, dataDir, log });
const embed = (images: Parameters<typeof pool.embed>[0]) => pool.embed(images);

/** Replays every clip with the current model; stores what mining keeps, labelled by the always-right user. */
async function replayAll(mine: boolean): Promise<Omit<RoundFigures, 'round' | 'trainingS' | 'accepted'>> {
  const model = createTargetModel(registry.loadCurrent(info.id));
  let falseEvents = 0;
  let noCatS = 0;
  let visits = 0;
  let detected = 0;
  let mined = 0;
  for (const clip of clips) {
    const isCat = clip.startsWith('cat_');
    const camera = { ...replayCamera(config), name: clip.replace(/\.mp4$/, '').toLowerCase().replace(/[^a-z0-9_-]/g, '-').slice(0, 60) };
    const kept: ScoredFrame[] = [];
    const { events, summary } = await replayClip({ clip: join(videoDir, clip), camera, config, model, embed, onMined: mine ? (s) => kept.push(s) : undefined });
    for (const s of kept) {
      const sample = await store.add({ camera: camera.name, capturedAtMs: Date.now(), score: s.score, reason: 'replay', modelVersion: model.version, phash: hashToHex(dHash(s.crop ?? s.frame)), crop: s.crop ?? s.frame, frame: s.frame, embedding: s.embedding, backboneId: info.id });
      store.label([sample.id], isCat ? 'positive' : 'negative');
    }
    mined += kept.length;
    const spans = eventSpans(events);
    const score = scoreClip(spans, isCat ? [[0, summary.durationS]] : [], summary.durationS);
    if (isCat) {
      visits += score.visits;
      detected += score.detectedVisits;
    } else {
      falseEvents += score.falseEvents;
      noCatS += summary.durationS;
    }
  }
  return { model: model.version, mined, falseEvents, noCatHours: noCatS / 3600, falseEventsPerHour: noCatS > 0 ? falseEvents / (noCatS / 3600) : 0, recall: visits > 0 ? detected / visits : 1 };
}

async function retrain(round: number): Promise<{ trainingS: number; accepted: boolean; decision: string }> {
  const started = Date.now();
  const cache = openEmbeddingCache(dataDir);
  try {
    const result = await runTraining(
      { label: 'cat', positives: [], negatives: [], storeItems: loadStoreItems(dataDir), synthetic: 300, augmentPerPositive: 1, targetFpr: 0.01, head: 'logistic', hiddenUnits: 64, loss: 'focal', focalAlpha: 0.5, focalGamma: 2, reason: `mining round ${round}` },
      { backbone: info, embed, cache, registry, log, bundled: loadBundledBase(registry, info.id) },
    );
    return { trainingS: (Date.now() - started) / 1000, accepted: result.accepted, decision: result.decision };
  } finally {
    cache.close();
  }
}

const rows: RoundFigures[] = [];
try {
  const start = await replayAll(false);
  rows.push({ round: 0, ...start, mined: 0, trainingS: 0, accepted: null });
  for (let round = 1; round <= rounds; round++) {
    const mining = await replayAll(true);
    const trained = await retrain(round);
    const after = await replayAll(false);
    rows.push({ round, ...after, mined: mining.mined, ...trained });
  }
} finally {
  await pool.stop();
  db.close();
  rmSync(dataDir, { recursive: true, force: true });
}

process.stdout.write(`\nmining rounds, ${info.id}, ${clips.length} clips${smoke ? ' (smoke)' : ''}\n\n| round | samples mined | false events / camera-hour (no-cat) | cat-event recall | training s | accepted |\n|---|---|---|---|---|---|\n`);
for (const r of rows) process.stdout.write(`| ${r.round} | ${r.mined} | ${r.falseEventsPerHour.toFixed(1)} (${r.falseEvents} in ${(r.noCatHours * 60).toFixed(1)} min) | ${(r.recall * 100).toFixed(0)}% | ${r.trainingS.toFixed(1)} | ${r.accepted ?? '—'} |\n`);
for (const r of rows) process.stdout.write(`${JSON.stringify({ bench: 'mining-rounds', backbone: info.id, smoke, ...r })}\n`);
