/**
 * The only place where stages are wired. Built sinks first, so nothing refers to a stage declared later; listed in
 * pipeline order, started in that order and stopped in reverse. Data: cameras → motion → score → events → MQTT, and
 * score → mine → samples → train → registry → score. Control (camera up/down, model swaps, training) on the bus.
 */
import type { Config } from './config/schema.js';
import type { Logger } from './util/log.js';
import { createConfigStore, type ConfigStore } from './config/config-store.js';
import { createDatabaseStage, openDatabase } from './store/database.js';
import { createSampleStore, type SampleStore } from './store/sample-store.js';
import { cleanRegistryTemp, createRegistry, type Registry } from './registry/registry.js';
import { createFleetStage } from './fleet/fleet-stage.js';
import { createOutbox } from './publish/outbox.js';
import { createEmbeddedBroker, internalBrokerCredentials } from './publish/embedded-broker.js';
import { createMqttPublisher, type MqttPublisher } from './publish/mqtt-publisher.js';
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
import { createCameraAvailability } from './report/camera-availability.js';
import { createDiscoveryStage } from './report/discovery.js';
import { createStatsReporter } from './report/stats-reporter.js';
import { createHealth } from './web/health.js';
import { createHttpServer } from './web/http-server.js';
import { createWebAccess } from './web/ui/web-access.js';
import { createWebUi } from './web/ui/web-ui.js';
import { samplesRoutes } from './web/ui/samples-routes.js';
import { modelsRoutes } from './web/ui/models-routes.js';
import { createTrainFeed } from './web/ui/train-feed.js';
import { overviewRoutes } from './web/ui/overview-routes.js';
import { createLiveView } from './web/live-view.js';
import { createEventStore, eventRecord } from './store/event-store.js';
import { createMetrics } from './web/metrics.js';
import { createSdWatchdog } from './web/sd-watchdog.js';
import { createEventBus, type EventBus } from './service/event-bus.js';
import { createStageRunner, type StageRunner } from './service/stage-runner.js';
import { createStatus, type StatusSnapshot } from './service/status.js';
import type { Service, ServiceDeps } from './service/service.js';
import { hostname } from 'node:os';
import { createFanout } from './util/fanout.js';
import { bundledModelsDir, packageVersion, staticAssetsDir } from './util/package-root.js';
import { createSdNotifier } from './util/sd-notify.js';
import type { Stage } from './util/stage.js';

interface Wiring { deps: ServiceDeps; store: ConfigStore; bus: EventBus; runner: StageRunner }

function pipeline({ deps, store, bus, runner }: Wiring): { stages: Array<Stage<Config> | undefined>; status: () => StatusSnapshot } {
  const { log } = deps;
  const config = store.current;
  const { dataDir, mqtt, model, http } = config();
  const db = openDatabase(dataDir);
  cleanRegistryTemp(dataDir);
  const outbox = createOutbox({ db, maxMessages: mqtt.outboxMax });
  // On the embedded broker the service's own client is a writer: the configured credentials, else an internal one.
  const service = mqtt.username && mqtt.password ? { username: mqtt.username, password: mqtt.password } : internalBrokerCredentials();
  const broker = mqtt.url ? undefined : createEmbeddedBroker({ ...mqtt.embedded, username: mqtt.username, password: mqtt.password, service, acl: { baseTopic: mqtt.baseTopic, discoveryPrefix: mqtt.discovery.prefix }, log });
  // The embedded broker's port is known only once it listens (port 0 in tests): read at connect time.
  const publisher = createMqttPublisher({ ...mqtt, nodeId: config().node.id, ...(broker ? service : {}), outbox, log, get url() { return mqtt.url ?? broker?.url() ?? ''; } });
  const scored = createFanout<ScoredFrame>(log);
  const samples = createSampleStore({ db, dataDir, log });
  const mine = createMineStage({ config, store: samples, log, onMined: (s) => bus.emit('sample-mined', { camera: s.camera, id: s.id }) });
  publisher.onCommand(publisher.topics.samplesSet, createSampleCommandHandler({ store: samples, log }));
  const pool = createScorePool({ spec: resolveBackboneSpec(model, dataDir), log, workers: model.workers, batchSize: model.batchSize });
  const scheduler = createScoreStage({ embed: (images) => pool.embed(images), maxInFlightJobs: () => 2 * Math.max(1, pool.stats().workers), log, onScored: scored.emit });
  const thresholds = createCameraThresholds({ config, samples, model: () => scheduler.model(), log });
  const history = createEventStore({ db, dataDir, limits: () => ({ maxRows: config().events.historyMax, snapshotQuotaMb: config().events.snapshotQuotaMb }) });
  const events = createEventsStage({
    config, publisher, log,
    cameraThreshold: thresholds.forCamera,
    onTransition: (p) => {
      bus.emit('event-published', { camera: p.camera, type: p.type });
      mine.observeEvent(p);
      // The history is a convenience: a full disk must not stop the event itself (it is in the outbox already).
      try {
        history.record(eventRecord(p));
      } catch (err) {
        log.warn({ err: (err as Error).message, event: p.id }, 'event history not kept');
      }
    },
    onSnapshot: (id, jpeg) => void history.saveSnapshot(id, jpeg).catch((err: unknown) => log.warn({ err: (err as Error).message }, 'event snapshot not kept')),
  });
  const registry = createRegistry({ dataDir, bundledDir: bundledModelsDir() });
  const fleet = createFleet({ config: config(), registry, samples, publisher, log, backboneId: () => scheduler.model()?.backboneId });
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
  const access = createWebAccess({ passwordHash: http.passwordHash, trustProxy: http.trustProxy });
  const ui = createWebUi({
    access, staticDir: staticAssetsDir(), log,
    routes: [
      ...overviewRoutes({ cameraNames: () => config().cameras.map((c) => c.name), cameraStats: () => cameras.stats(), modelVersion, samples, events: history, live, quotaMb: () => config().mine.quotaMb, dataDir }),
      ...samplesRoutes({ samples, dataDir, log }), ...modelsRoutes({ registry, trainer, feed: trainFeed, log }),
    ],
  });
  const server = http.enabled ? createHttpServer({ ...http, health: () => health.check(), metrics: metrics.registry, status: () => status.snapshot(), ui, hostAllowed: access.hostAllowed, log }) : undefined;
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

export function createService(deps: ServiceDeps): Service {
  const store = createConfigStore(deps.config, deps.log);
  const bus = createEventBus(deps.log.child({ component: 'bus' }));
  const runner = createStageRunner({ store, log: deps.log });
  let status: (() => StatusSnapshot) | undefined;
  return {
    bus,
    config: store,
    async start() {
      deps.log.info({ cameras: store.current().cameras.length, dataDir: store.current().dataDir }, 'catwatch starting');
      const built = pipeline({ deps, store, bus, runner });
      status = built.status;
      await runner.start(built.stages.filter((s): s is Stage<Config> => s !== undefined));
      deps.log.info('catwatch running');
    },
    async stop() {
      await runner.stop();
      deps.log.info('catwatch stopped');
    },
    applyConfig: async (next) => void (await store.apply(next)),
    status: () => status?.(),
  };
}

/** The storage condition /healthz reports: events held in memory first (they matter most), then mined samples lost. */
function storageProblem(outboxError: string | undefined, samplesError: string | undefined): string | undefined {
  if (outboxError !== undefined) return `events held in memory: ${outboxError}`;
  return samplesError === undefined ? undefined : `mined samples not stored: ${samplesError}`;
}

/**
 * Training for many nodes (fleet.*): nodes upload labelled samples and follow the trainer's signed model pointer,
 * retained on `<base>/fleet/model`; the trainer downloads every node's samples and publishes each model it trains.
 */
function createFleet(deps: { config: Config; registry: Registry; samples: SampleStore; publisher: MqttPublisher; log: Logger; backboneId: () => string | undefined }) {
  const { config, publisher } = deps;
  if (!config.fleet) return undefined;
  return createFleetStage({
    config: config.fleet,
    nodeId: config.node.id ?? hostname(),
    dataDir: config.dataDir,
    registry: deps.registry,
    store: deps.samples,
    pointerTopic: `${config.mqtt.baseTopic}/fleet/model`,
    subscribe: (topic, onMessage) => publisher.onRetainedState(topic, onMessage, POINTER_MAX_BYTES),
    publishRetained: async (topic, payload) => publisher.publishDurable(topic, payload, { retain: true }),
    backboneId: deps.backboneId,
    log: deps.log,
  });
}

/** A signed pointer is a few hundred bytes. */
const POINTER_MAX_BYTES = 16 * 1024;
