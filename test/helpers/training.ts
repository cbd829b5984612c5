/**
 * What the mining and retraining end-to-end tests share: a small training set (symlinks into the shared photos,
 * never copies), a data folder with the pulled MobileNetV2 backbone, and thin wrappers that run the built CLI's
 * `train`, `models list` and `samples list` with `--json` and parse the answer.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { openDatabase } from '../../src/store/database.js';
import { createSampleStore } from '../../src/store/sample-store.js';
import type { IntegrityReport } from '../../src/store/sample-rows.js';
import { silentLogger } from '../../src/util/log.js';
import { runCli } from './cli.js';
import { devDataDir, modelsMirrorDir } from './paths.js';

export const BACKBONE = 'mobilenetv2-12-int8';

export interface TrainingSet {
  positives: string;
  /** A folder of folders: one negative subcategory each. */
  negatives: string;
}

/** Every `step`-th file of a folder, up to `count`, in name order (stable across runs). */
function pick(folder: string, count: number, step: number): string[] {
  return readdirSync(folder).sort().filter((_, i) => i % step === 0).slice(0, count).map((name) => join(folder, name));
}

function linkAll(files: string[], into: string): void {
  mkdirSync(into, { recursive: true });
  for (const file of files) symlinkSync(file, join(into, file.slice(file.lastIndexOf('/') + 1)));
}

/**
 * `cats` cat photos and `perSubcategory` photos of each negative subcategory, linked under a fixed folder in the
 * temp dir (made once, atomically, shared by test files running at the same time). Fixed because the training split
 * hashes file paths: a random folder would give another split, so another model, on every run.
 */
export function makeTrainingSet(opts: { cats: number; perSubcategory: number; subcategories: string[] }): TrainingSet {
  const dir = join(tmpdir(), `catwatch-e2e-set-${opts.cats}-${opts.perSubcategory}-${opts.subcategories.join('-')}`);
  buildOnce(dir, (building) => {
    linkAll(pick(join(devDataDir, 'cat'), opts.cats, 20), join(building, 'positives'));
    for (const sub of opts.subcategories) linkAll(pick(join(devDataDir, 'notcat', sub), opts.perSubcategory, 15), join(building, 'negatives', sub));
  });
  return { positives: join(dir, 'positives'), negatives: join(dir, 'negatives') };
}

/** Photos no bundled model trained on (the shipped reference role: Oxford pet cat faces, ImageNet samples). */
export function makeHeldOutSet(): TrainingSet {
  const dir = join(tmpdir(), 'catwatch-e2e-heldout');
  const every3rd = (from: string, prefix: string, count: number) => readdirSync(from).filter((n) => n.startsWith(prefix)).sort().filter((_, i) => i % 3 === 0).slice(0, count).map((n) => join(from, n));
  buildOnce(dir, (building) => {
    linkAll(every3rd(join(devDataDir, 'cat'), 'oxpet_', 60), join(building, 'cat'));
    for (const sub of ['animal', 'object']) linkAll(every3rd(join(devDataDir, 'notcat', sub), 'imagenetsample_', 40), join(building, 'notcat', sub));
  });
  return { positives: join(dir, 'cat'), negatives: join(dir, 'notcat') };
}

/** Builds a fixed folder once, atomically: test files running at the same time share it. */
function buildOnce(dir: string, build: (building: string) => void): void {
  if (existsSync(dir)) return;
  const building = mkdtempSync(`${dir}.tmp-`);
  build(building);
  try {
    renameSync(building, dir);
  } catch (err) {
    // Another test file made it first: theirs is identical.
    if (!existsSync(dir)) throw err;
    rmSync(building, { recursive: true, force: true });
  }
}

/** A fresh data folder with the MobileNetV2 backbone installed from the shared mirror. */
export async function dataDirWithBackbone(parent = mkdtempSync(join(tmpdir(), 'cw-train-'))): Promise<string> {
  const dataDir = join(parent, 'data');
  const pulled = await runCli(['models', 'pull', BACKBONE, '--from', modelsMirrorDir, '--data-dir', dataDir, '--json'], { timeoutMs: 60_000 });
  if (pulled.code !== 0) throw new Error(`models pull failed (${pulled.code}): ${pulled.stderr}`);
  return dataDir;
}

/** A config file for the one-shot CLI commands (train, models, samples) on `dataDir`. */
export function writeCliConfig(path: string, dataDir: string, set: TrainingSet, synthetic: number): string {
  writeFileSync(path, stringify({
    dataDir,
    model: { backbone: BACKBONE, positives: set.positives, workers: 1 },
    train: { negatives: [set.negatives], syntheticNegatives: synthetic },
  }));
  return path;
}

export interface TrainResult {
  version: string;
  accepted: boolean;
  decision: string;
  metrics: Record<string, number>;
  counts: { positives: number; confirmedPositives: number; synthetic: number; mined: number; folders: Record<string, number> };
  threshold: number;
}

export async function trainCli(configPath: string, extra: string[] = []): Promise<TrainResult> {
  const r = await runCli(['train', '--config', configPath, '--json', ...extra], { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`catwatch train failed (${r.code}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as TrainResult;
}

export interface ModelsList {
  current: string | null;
  versions: Array<{ version: string; reason: string; decision?: string; parent?: string | null; threshold: number; counts: TrainResult['counts']; metrics: Record<string, number>; current: boolean }>;
}

export async function modelsList(configPath: string): Promise<ModelsList> {
  const r = await runCli(['models', 'list', '--config', configPath, '--json'], { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`catwatch models list failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as ModelsList;
}

export interface SamplesList {
  total: number;
  samples: Array<{ id: number; state: string; camera: string; reason: string; score: number; phash: string; bytes: number; cropPath: string; framePath: string }>;
}

export async function samplesList(dataDir: string, extra: string[] = []): Promise<SamplesList> {
  const r = await runCli(['samples', 'list', '--data-dir', dataDir, '--limit', '0', '--json', ...extra], { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`catwatch samples list failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as SamplesList;
}

/** The sample store's own consistency check (SQLite integrity plus rows ↔ files), on a closed service's data. */
export function storeIntegrity(dataDir: string): IntegrityReport & { count: number } {
  const db = openDatabase(dataDir);
  try {
    const store = createSampleStore({ db, dataDir, log: silentLogger() });
    return { ...store.integrityCheck(), count: store.count() };
  } finally {
    db.close();
  }
}

export interface TrainStateMessage { state: string; reason?: string; version?: string; message?: string; metrics?: Record<string, number>; at: number }

/** The train/state messages a service harness recorded live, in order (not a retained one from an earlier test). */
export function trainStates(messages: Array<{ topic: string; payload: Buffer; retain: boolean }>, base = 'catwatch'): TrainStateMessage[] {
  return messages.filter((m) => m.topic === `${base}/train/state` && !m.retain).map((m) => JSON.parse(m.payload.toString()) as TrainStateMessage);
}

/** The photos of the weak model (and of the retrainings that follow it). */
export const WEAK_SET = { cats: 40, perSubcategory: 26, subcategories: ['object', 'scene', 'person', 'vehicle'] };

export interface WeakModelSetup { dir: string; dataDir: string; set: TrainingSet; cliConfig: string; version: string }

/**
 * A data folder whose current model is deliberately weak: trained on few photos and no mined samples, it scores
 * frames of the no-cat clips at 0.03-0.2, so a lowered model.threshold (about 0.1) makes it raise false events
 * and mine hard negatives. About 5 s.
 */
export async function weakModelSetup(prefix: string, synthetic = 20): Promise<WeakModelSetup> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const set = makeTrainingSet(WEAK_SET);
  const dataDir = await dataDirWithBackbone(dir);
  const cliConfig = writeCliConfig(join(dir, 'cli.yml'), dataDir, set, synthetic);
  // Without the shipped training set, and forced: its own held-out set is too small for the gate to decide.
  const weak = await trainCli(cliConfig, ['--no-mined', '--no-shipped', '--force', '--reason', 'weak start']);
  return { dir, dataDir, set, cliConfig, version: weak.version };
}
