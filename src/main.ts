/**
 * The only place where stages are wired. Built sinks first, so nothing refers to a stage declared later; listed in
 * pipeline order, started in that order and stopped in reverse. Data: cameras → motion → score → events → MQTT, and
 * score → mine → samples → train → registry → score. Control (camera up/down, model swaps, training) on the bus.
 * Each stage's own wiring (its options, its error policy) is in its folder; the lifecycle in src/service.
 */
import { hostname } from 'node:os';
import { openDatabase, createDatabaseStage } from './store/database.js';
import { createSampleStore } from './store/sample-store.js';
import { createEventStore, eventHistoryKeeper } from './store/event-store.js';
import { cleanRegistryTemp, createRegistry } from './registry/registry.js';
import { createOutbox } from './publish/outbox.js';
import { createMqttTransport } from './publish/mqtt-transport.js';
import { createCamerasStage } from './ingest/cameras-stage.js';
import { createMotionStage } from './motion/motion-stage.js';
import { resolveBackboneSpec } from './score/backbone-spec.js';
import { createScorePool } from './score/score-pool.js';
import { createScoreStage, type ScoredFrame } from './score/score-stage.js';
import { createScoringStage } from './score/scoring-stage.js';
import { createCameraThresholds } from './events/camera-thresholds.js';
import { createEventsStage } from './events/events-stage.js';
import { createMineStage } from './mine/mine-stage.js';
import { createSampleCommandHandler } from './mine/sample-command.js';
import { createTrainSupervisor } from './train/train-supervisor.js';
import { createServiceFleet } from './fleet/service-fleet.js';
import { createCameraAvailability } from './report/camera-availability.js';
import { createDiscoveryStage } from './report/discovery.js';
import { createStatsReporter } from './report/stats-reporter.js';
import { createHealth, storageProblem } from './web/health.js';
import { createServiceHttp } from './web/service-http.js';
import { createTrainFeed } from './web/ui/train-feed.js';
import { createLiveView } from './web/live-view.js';
import { createMetrics } from './web/metrics.js';
import { createSdWatchdog } from './web/sd-watchdog.js';
import { createServiceLifecycle, type Wiring } from './service/service-lifecycle.js';
import { createStatus } from './service/status.js';
import type { Service, ServiceDeps } from './service/service.js';
import { createFanout } from './util/fanout.js';
import { bundledModelsDir, packageVersion } from './util/package-root.js';
import { createSdNotifier } from './util/sd-notify.js';

export const createService = (deps: ServiceDeps): Service => createServiceLifecycle(deps, pipeline);

function pipeline({ deps, store, bus, runner }: Wiring) {
  const { log } = deps;
  const config = store.current;
  const { dataDir, mqtt, model } = config();
  const db = openDatabase(dataDir);
  cleanRegistryTemp(dataDir);
  const outbox = createOutbox({ db, maxMessages: mqtt.outboxMax });
  const { broker, publisher } = createMqttTransport({ config: config(), outbox, log });
  const scored = createFanout<ScoredFrame>(log);
  const samples = createSampleStore({ db, dataDir, log });
  const mine = createMineStage({ config, store: samples, log, onMined: (s) => bus.emit('sample-mined', { camera: s.camera, id: s.id }) });
  publisher.onCommand(publisher.topics.samplesSet, createSampleCommandHandler({ store: samples, log }));
  const pool = createScorePool({ spec: resolveBackboneSpec(model, dataDir), log, workers: model.workers, batchSize: model.batchSize });
  const scheduler = createScoreStage({ embed: (images) => pool.embed(images), maxInFlightJobs: () => 2 * Math.max(1, pool.stats().workers), log, onScored: scored.emit });
  const thresholds = createCameraThresholds({ config, samples, model: () => scheduler.model(), log });
  const history = createEventStore({ db, dataDir, limits: () => ({ maxRows: config().events.historyMax, snapshotQuotaMb: config().events.snapshotQuotaMb }) });
  const keep = eventHistoryKeeper(history, log);
  const events = createEventsStage({ config, publisher, log, cameraThreshold: thresholds.forCamera, onSnapshot: keep.saveSnapshot, onTransition: (p) => {
    bus.emit('event-published', { camera: p.camera, type: p.type });
    mine.observeEvent(p);
    keep.record(p);
  } });
  const registry = createRegistry({ dataDir, bundledDir: bundledModelsDir() });
  const fleet = createServiceFleet({ config: config(), registry, samples, publisher, log, backboneId: () => scheduler.model()?.backboneId });
  const score = createScoringStage({ config, pool, scheduler, registry, log, onModel: (m) => bus.emit('model-swapped', { version: m.version }) });
  const motion = createMotionStage({ config, onJob: (job) => scheduler.submit(job) });
  const live = createLiveView({ config, log });
  const cameras = createCamerasStage({ config, log, onFrame: (frame) => { live.offer(frame); motion.push(frame); }, onStatus: (camera, s) => bus.emit(s.connected ? 'camera-up' : 'camera-down', { camera, reason: s.reason ?? 'connected' }) });
  const trainFeed = createTrainFeed();
  const trainer = createTrainSupervisor({ config, configPath: deps.configPath, cliPath: deps.cliPath, db, log, onState: (state) => bus.emit('train-state', state), onProgress: trainFeed.progress });
  publisher.onCommand(publisher.topics.trainSet, () => trainer.request('mqtt train/set'));
  const modelVersion = (): string | undefined => scheduler.model()?.version;
  const health = createHealth({ config, cameraStats: () => cameras.stats(), modelVersion, storageError: () => storageProblem(outbox.storageError(), mine.storeError()), inferenceServer: () => pool.remoteStats() });
  const stats = createStatsReporter({ config, publisher, outbox, pool, log, cameraStats: () => cameras.stats(), scoreStats: (c) => scheduler.stats(c), modelVersion: () => modelVersion() ?? 'none' });
  const metrics = createMetrics({ cameraStats: () => cameras.stats(), droppedFrames: (c) => scheduler.stats(c).dropped, outboxDepth: () => outbox.depth(), camerasUp: () => health.camerasUp(), stages: () => runner.reports(), commandsRefused: () => publisher.commandsRefused(), fleet: fleet && (() => fleet.stats()) });
  const status = createStatus({ node: config().node.id ?? hostname(), version: packageVersion(), stages: () => runner.reports(), phase: () => runner.phase(), cameraStats: () => cameras.stats(), camerasUp: () => health.camerasUp(), modelVersion, configHistory: store.history, publisher, cameraThresholds: thresholds.report, lightModes: events.lightModes });
  const availability = createCameraAvailability({ config, publisher, camerasUp: () => health.camerasUp(), log });
  const discovery = createDiscoveryStage({ config, publisher, version: packageVersion() });
  const server = createServiceHttp({
    http: config().http, log, health: () => health.check(), metrics: metrics.registry, status: () => status.snapshot(), samples, models: { registry, trainer, feed: trainFeed },
    overview: { cameraNames: () => config().cameras.map((c) => c.name), cameraStats: () => cameras.stats(), modelVersion, samples, events: history, live, quotaMb: () => config().mine.quotaMb, dataDir },
  });
  const watchdog = createSdWatchdog({ notifier: createSdNotifier({ log }), alive: (timeoutMs) => pool.ping(timeoutMs), log });

  scored.add('stats', (s) => stats.recordScored(s));
  scored.add('metrics', (s) => metrics.recordInference(s.inferenceMs));
  scored.add('events', (s) => events.observe(s));
  scored.add('mine', (s) => mine.observe(s));
  scored.add('live', (s) => live.scored(s.frame.camera, s.box));
  bus.on('camera-up', 'motion', ({ camera }) => motion.reset(camera));
  bus.on('camera-up', 'mine', ({ camera }) => mine.reset(camera));
  bus.on('model-swapped', 'thresholds', () => thresholds.refresh());
  bus.on('event-published', 'metrics', ({ camera, type }) => metrics.recordEvent(camera, type));
  bus.on('sample-mined', 'metrics', ({ camera }) => metrics.recordMined(camera));
  bus.on('train-state', 'metrics', ({ state }) => metrics.recordTrainState(state));
  bus.on('train-state', 'web', (state) => trainFeed.state(state));
  for (const event of ['camera-up', 'camera-down', 'model-swapped'] as const) bus.on(event, 'status', () => status.refresh());
  if (fleet) bus.on('train-state', 'fleet', (state) => fleet.onTrainState(state));
  bus.on('train-state', 'mqtt', (state) => publisher.publishLatest(publisher.topics.trainState, JSON.stringify({ ...state, at: Date.now() / 1000 }), { retain: true, qos: 1 }));

  const stages = [createDatabaseStage(db), broker, publisher, score, thresholds, events, mine, motion, trainer, cameras, fleet, stats, metrics, availability, discovery, status, server, watchdog];
  return { stages, status: status.snapshot };
}
