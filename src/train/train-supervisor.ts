/**
 * The retraining loop of the running service. Training runs as a separate low-priority child process (`catwatch
 * train --json`): its contract is one JSON line on stdout and the exit code, so a crash or an out-of-memory kill
 * in training can never take detection down. One training at a time; a trigger during training is queued once.
 * The child dies with the service (IPC channel), so a kill -9 of the service can never leave a half-done swap.
 * Triggers: the config token train.request changed, train.schedule, train.minNewSamples new mined samples, the
 * MQTT topic <base>/train/set. The model watcher picks up the new current version; nothing restarts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import type { Config } from '../config/schema.js';
import type { Db } from '../store/database.js';
import type { Logger } from '../util/log.js';
import { isScheduleDue } from './schedule.js';
import { parseTrainResult, trainProgressSchema } from './train-result.js';
import { createTrainRuns } from './train-runs.js';
export type { TrainRun } from './train-runs.js';

/** What the supervisor reports as training runs: published on MQTT (<base>/train/state) and on the control bus. */
export interface TrainStateUpdate {
  state: 'idle' | 'running' | 'complete' | 'failed' | 'rejected';
  reason?: string;
  version?: string;
  message?: string;
  metrics?: Record<string, number>;
}

type TrainState = TrainStateUpdate;

/** A training's progress with its estimated time left (from the phase's pace so far). */
export interface TrainProgress { phase: string; done: number; total: number; loss?: number; etaS: number | null }

export interface TrainSupervisorDeps {
  config: () => Config;
  configPath: string;
  db: Db;
  log: Logger;
  /** The `catwatch` CLI entry (dist/src/cli/index.js). */
  cliPath: string;
  onState: (state: TrainState) => void;
  /** Progress of the running training (phase, epoch, loss), as the child reports it. */
  onProgress?: (progress: TrainProgress) => void;
  checkIntervalMs?: number;
  now?: () => number;
}

export function createTrainSupervisor(deps: TrainSupervisorDeps) {
  const log = deps.log.child({ component: 'train' });
  const now = deps.now ?? Date.now;
  let child: ChildProcess | undefined;
  let queued: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopping = false;

  const runs = createTrainRuns(deps.db);

  function launch(reason: string): void {
    // No model.positives is fine: the bundled model's shipped training set has photos of the target, so mined
    // negatives alone can retrain; the training child says why when there is not enough data.
    const config = deps.config();
    const runId = runs.start(now(), reason);
    log.info({ reason }, 'training started');
    deps.onState({ state: 'running', reason });
    const onMessage = progressHandler(now, deps.onProgress);
    const proc = spawnTrainChild({ cliPath: deps.cliPath, configPath: deps.configPath, reason, nice: config.train.nice, log, onMessage }, (exit) => {
      child = undefined;
      const { code, signal } = exit;
      const outcome = trainOutcome(exit);
      runs.finish(runId, now(), outcome.state, outcome.version ?? null);
      if (outcome.state !== 'failed') log.info({ reason, version: outcome.version, state: outcome.state, decision: outcome.message }, 'training finished');
      else if (!stopping) log.error({ reason, code, signal, message: outcome.message }, 'training failed');
      deps.onState({ ...outcome, reason });
      if (queued && !stopping) {
        const next = queued;
        queued = undefined;
        launch(next);
      }
    });
    child = proc;
  }

  function checkPeriodic(): void {
    const config = deps.config();
    const last = runs.last();
    if (isScheduleDue(config.train.schedule, last?.started_at, now())) {
      request(`schedule ${config.train.schedule}`);
      return;
    }
    if (config.train.minNewSamples > 0) {
      const fresh = runs.newSamplesSince(last?.max_sample_id ?? 0);
      if (fresh >= config.train.minNewSamples) request(`${fresh} new mined samples (minNewSamples ${config.train.minNewSamples})`);
    }
  }

  function request(reason: string): void {
    if (stopping) return;
    if (refusedOnFleetNode(deps, log, reason)) return;
    if (child) {
      if (!queued) log.info({ reason }, 'training requested while one runs: queued');
      queued ??= reason;
      return;
    }
    launch(reason);
  }

  return {
    name: 'train',
    /** Detection runs without retraining: a failure here is reported, not fatal. */
    critical: false,
    /** The schedule and thresholds are read at each check; the training child reads the rest from the file. */
    livePaths: ['train', 'model.positives'],
    start() {
      stopping = false;
      timer = setInterval(() => {
        try {
          checkPeriodic();
        } catch (err) {
          log.error({ err }, 'training trigger check failed');
        }
      }, deps.checkIntervalMs ?? 60_000);
      timer.unref();
    },
    async stop() {
      stopping = true;
      clearInterval(timer);
      if (child) await stopChild(child);
    },
    request,
    running: () => child !== undefined,
    /** The newest training runs (the /train page's history). */
    history: runs.history,
    /** Called on config reload: a changed train.request token asks for a retrain. */
    applyConfig(next: Config, previous: Config) {
      if (next.train.request !== undefined && next.train.request !== previous.train.request) request(`config train.request changed to ${JSON.stringify(next.train.request)}`);
    },
  };
}

/** SIGTERM, and SIGKILL when it has not exited within 2 s. */
async function stopChild(proc: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
  if (proc.exitCode === null) proc.kill('SIGKILL');
}

/** The result line is a few kB (metrics, counts, a sample of every source); 1 MiB leaves room and bounds memory. */
const MAX_CHILD_STDOUT_CHARS = 2 ** 20;

/**
 * Starts `catwatch train --json` as a low-priority child with an IPC channel (it dies with the service); calls
 * `onExit` with its exit status, its stdout and the tail of its stderr.
 */
function spawnTrainChild(
  opts: { cliPath: string; configPath: string; reason: string; nice: number; log: Logger; onMessage: (message: unknown) => void },
  onExit: (exit: { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }) => void,
): ChildProcess {
  const proc = spawn(process.execPath, [opts.cliPath, 'train', '--config', opts.configPath, '--json', '--reason', opts.reason], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, CATWATCH_LOG_LEVEL: 'warn' },
  });
  try {
    if (proc.pid) setPriority(proc.pid, opts.nice);
  } catch (err) {
    opts.log.warn({ err: (err as Error).message }, 'could not lower the training priority');
  }
  let stdout = '';
  let stderr = '';
  // Its contract is one JSON line at the end: only the tail is kept, so a child that prints without end costs no memory.
  proc.stdout?.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-MAX_CHILD_STDOUT_CHARS)));
  proc.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  proc.on('message', opts.onMessage);
  proc.on('error', (err) => opts.log.error({ err: err.message }, 'training process failed to start'));
  proc.on('exit', (code, signal) => onExit({ code, signal, stdout, stderr }));
  return proc;
}

/** The training child's IPC messages: valid progress goes on, with the time left estimated; anything else is ignored. */
function progressHandler(now: () => number, onProgress: ((p: TrainProgress) => void) | undefined): (message: unknown) => void {
  const pace = createPace(now);
  return (message) => {
    const parsed = trainProgressSchema.safeParse(message);
    if (parsed.success) onProgress?.({ ...parsed.data, etaS: pace(parsed.data) });
  };
}

/** Seconds left in the current phase, from its pace since it began (null until it has moved). */
function createPace(now: () => number): (p: { phase: string; done: number; total: number }) => number | null {
  let phase = '';
  let startedAtMs = 0;
  return (p) => {
    if (p.phase !== phase) [phase, startedAtMs] = [p.phase, now()];
    if (p.done <= 0 || p.total <= p.done) return p.total <= p.done ? 0 : null;
    return Math.round((((now() - startedAtMs) / p.done) * (p.total - p.done)) / 1000);
  };
}

/**
 * How a training child ended: `complete` (a new current version) or `rejected` (saved, the gate kept the old one)
 * when it exited 0 with a valid result line; otherwise `failed`, with its last stderr line (or exit code or signal).
 */
export function trainOutcome(exit: { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }): Omit<TrainStateUpdate, 'reason'> & { state: 'complete' | 'rejected' | 'failed' } {
  const result = parseTrainResult(exit.stdout);
  if (exit.code === 0 && result) {
    return { state: result.accepted ? 'complete' : 'rejected', version: result.version, message: result.decision, metrics: pickNumbers(result.metrics) };
  }
  const message = exit.stderr.trim().split('\n').filter(Boolean).pop() ?? (exit.code === 0 ? 'no valid result line' : `exit ${exit.code ?? exit.signal}`);
  return { state: 'failed', message };
}

function pickNumbers(metrics: Record<string, number | null> | undefined): Record<string, number> | undefined {
  if (!metrics) return undefined;
  const keys = ['auroc', 'priorAuroc', 'baselineAuroc', 'fprAt95Tpr', 'nearFprAt95Tpr', 'farFprAt95Tpr', 'threshold', 'precision', 'recall', 'fprAtThreshold', 'clipFalseEvents', 'clipMissedVisits', 'baselineClipFalseEvents', 'baselineClipMissedVisits'];
  return Object.fromEntries(keys.flatMap((k) => { const v = metrics[k]; return typeof v === 'number' && Number.isFinite(v) ? [[k, v]] : []; }));
}

/** A fleet node follows the trainer's model: a local training would overwrite `current` and be overwritten. */
function refusedOnFleetNode(deps: Pick<TrainSupervisorDeps, 'config' | 'onState'>, log: Logger, reason: string): boolean {
  const refusal = localTrainingRefusal(deps.config());
  if (!refusal) return false;
  log.warn({ reason }, 'training refused: this node follows the fleet model');
  deps.onState({ state: 'rejected', reason, message: refusal });
  return true;
}

/** Why this node must not train (a fleet node that follows the trainer's pointer), or undefined. */
export function localTrainingRefusal(config: Pick<Config, 'fleet'>): string | undefined {
  if (config.fleet?.role !== 'node' || config.fleet.trainLocally) return undefined;
  return 'this node follows the fleet trainer\'s model (fleet.role: node): train on the trainer, or set fleet.trainLocally: true';
}
