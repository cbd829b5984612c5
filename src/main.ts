/**
 * The only place where stages are wired together. Stages start in order and stop in reverse; data flows one way:
 * ingest → motion → score → events → publish, and score → mine → store → train → registry → score.
 */
import type { Config } from './config/schema.js';
import { diffConfig } from './config/config-diff.js';
import { openDatabase, type Db } from './store/database.js';
import { createOutbox, type Outbox } from './publish/outbox.js';
import { createEmbeddedBroker } from './publish/embedded-broker.js';
import { createMqttPublisher, type MqttPublisher } from './publish/mqtt-publisher.js';
import { discoveryMessages } from './publish/discovery.js';
import { createCamerasStage } from './ingest/cameras-stage.js';
import { createMotionStage } from './motion/motion-stage.js';
import { resolveBackboneSpec } from './score/backbone-spec.js';
import { createScorePool, type ScorePool } from './score/score-pool.js';
import { createScoreStage } from './score/score-stage.js';
import { createModelWatcher } from './registry/model-watcher.js';
import { createRegistry, cleanRegistryTemp } from './registry/registry.js';
import { createEventsStage } from './events/events-stage.js';
import { createTrainSupervisor } from './train/train-supervisor.js';
import { createMineStage } from './mine/mine-stage.js';
import { createSampleCommandHandler } from './mine/sample-command.js';
import { createSampleStore } from './store/sample-store.js';
import { createStatsReporter } from './publish/stats-reporter.js';
import { createEventBus, type EventBus } from './util/event-bus.js';
import type { Logger } from './util/log.js';
import { bundledModelsDir, packageVersion } from './util/package-root.js';
import { createSdNotifier } from './util/sd-notify.js';
import { createHealth } from './web/health.js';
import { createHttpServer } from './web/http-server.js';
import { createMetrics } from './web/metrics.js';
import { createSdWatchdog } from './web/sd-watchdog.js';

export interface Stage {
  readonly name: string;
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
}

export interface ServiceDeps {
  config: Config;
  /** The config file: the training child reads the same one. */
  configPath: string;
  /** The `catwatch` CLI script, run as the training child process. */
  cliPath: string;
  log: Logger;
}

export interface Service {
  start(): Promise<void>;
  stop(): Promise<void>;
  applyConfig(next: Config): void;
  readonly bus: EventBus;
}

export function createService(deps: ServiceDeps): Service {
  const { log } = deps;
  let config = deps.config;
  const bus = createEventBus(log.child({ component: 'bus' }));
  const started: Stage[] = [];
  const liveConfigListeners: Array<(next: Config) => void | Promise<void>> = [];
  const configChangeListeners: Array<(previous: Config, next: Config) => void> = [];
  let db: Db | undefined;

  function publisherFor(outbox: Outbox, stages: Stage[]): MqttPublisher {
    const common = { baseTopic: config.mqtt.baseTopic, clientId: config.mqtt.clientId, username: config.mqtt.username, password: config.mqtt.password, outbox, log };
    if (config.mqtt.url) return createMqttPublisher({ ...common, url: config.mqtt.url, tls: config.mqtt.tls });
    const broker = createEmbeddedBroker({ ...config.mqtt.embedded, username: config.mqtt.username, password: config.mqtt.password, log });
    stages.push({ name: 'broker', start: () => broker.start(), stop: () => broker.stop() });
    // The embedded broker's port is known only once it listens (port 0 in tests): read it at connect time.
    return createMqttPublisher({
      ...common,
      get url() {
        return broker.url();
      },
    });
  }

  /** Built at start (factories have no side effects; they need the database and the pool). */
  function buildStages(): Stage[] {
    const stages: Stage[] = [];
    db = openDatabase(config.dataDir);
    const outbox = createOutbox({ db, maxMessages: config.mqtt.outboxMax });
    const publisher = publisherFor(outbox, stages);
    stages.push({ name: 'mqtt', start: () => publisher.start(), stop: () => publisher.stop() });

    cleanRegistryTemp(config.dataDir);
    const registry = createRegistry({ dataDir: config.dataDir, bundledDir: bundledModelsDir() });
    const pool: ScorePool = createScorePool({
      spec: resolveBackboneSpec(config.model, config.dataDir),
      log,
      workers: config.model.workers,
      batchSize: config.model.batchSize,
    });

    const events = createEventsStage({ config: () => config, publisher, log, onTransition: (p) => metrics.recordEvent(p.camera, p.type) });
    const samples = createSampleStore({ db, dataDir: config.dataDir, log });
    const mine = createMineStage({ config: () => config, store: samples, log, onMined: (s) => bus.emit('sample-mined', { camera: s.camera, id: s.id }) });
    publisher.onCommand(publisher.topics.samplesSet, createSampleCommandHandler({ store: samples, log }));
    // Closures below refer to stages declared further down; they only run once everything is started.
    const score = createScoreStage({
      embed: (images) => pool.embed(images),
      maxInFlightJobs: () => 2 * Math.max(1, pool.stats().workers),
      log,
      onScored: (scored) => {
        stats.recordScored(scored);
        metrics.recordInference(scored.inferenceMs);
        events.observe(scored);
        mine.observe(scored);
      },
    });
    const stats = createStatsReporter({ config: () => config, publisher, outbox, pool, log, cameraStats: () => cameras.stats(), scoreStats: (c) => score.stats(c), modelVersion: () => score.model()?.version ?? 'none' });
    const motion = createMotionStage({ config, onJob: (job) => score.submit(job) });
    const cameras = createCamerasStage({
      config,
      log,
      onFrame: (frame) => motion.push(frame),
      onStatus: (camera, status) => {
        if (status.connected) {
          motion.reset(camera);
          mine.reset(camera);
          bus.emit('camera-up', { camera });
        } else {
          bus.emit('camera-down', { camera, reason: status.reason ?? 'disconnected' });
        }
      },
    });

    let stopModelWatcher = (): void => undefined;
    stages.push({
      name: 'score',
      start: async () => {
        const info = await pool.start();
        const watcher = createModelWatcher({ registry, backboneId: info.id, thresholdOverride: () => config.model.threshold, log, onModel: (m) => {
          score.setModel(m);
          bus.emit('model-swapped', { version: m.version });
        } });
        watcher.start();
        score.start();
        stopModelWatcher = () => watcher.stop();
      },
      stop: async () => {
        score.stop();
        stopModelWatcher();
        await pool.stop();
      },
    });
    stages.push({ name: 'events', start: () => events.start(), stop: () => events.stop() });
    stages.push({ name: 'mine', start: () => mine.start(), stop: () => mine.stop() });
    stages.push({
      name: 'discovery',
      start: () =>
        publisher.onConnect(() => {
          if (!config.mqtt.discovery.enabled) return;
          const messages = discoveryMessages({
            prefix: config.mqtt.discovery.prefix,
            baseTopic: config.mqtt.baseTopic,
            topics: publisher.topics,
            cameras: config.cameras.filter((c) => c.enabled).map((c) => c.name),
            label: config.model.label,
            version: packageVersion(),
          });
          for (const m of messages) publisher.publishLatest(m.topic, m.payload, { retain: true, qos: 1 });
        }),
      stop: () => undefined,
    });
    const trainer = createTrainSupervisor({
      config: () => config,
      configPath: deps.configPath,
      cliPath: deps.cliPath,
      db,
      log,
      onState: (state) => {
        bus.emit('train-state', state);
        publisher.publishLatest(publisher.topics.trainState, JSON.stringify({ ...state, at: Date.now() / 1000 }), { retain: true, qos: 1 });
      },
    });
    publisher.onCommand(publisher.topics.trainSet, () => trainer.request('mqtt train/set'));
    stages.push({ name: 'train', start: () => trainer.start(), stop: () => trainer.stop() });
    configChangeListeners.push((previous, next) => trainer.applyConfig(previous, next));
    stages.push({ name: 'stats', start: () => stats.start(), stop: () => stats.stop() });
    stages.push({ name: 'cameras', start: () => cameras.start(), stop: () => cameras.stop() });
    const metrics = createMetrics({ cameraStats: () => cameras.stats(), droppedFrames: (c) => score.stats(c).dropped, outboxDepth: () => outbox.depth(), bus });
    const health = createHealth({ config: () => config, cameraStats: () => cameras.stats(), modelVersion: () => score.model()?.version });
    stages.push({ name: 'metrics', start: () => metrics.start(), stop: () => metrics.stop() });
    if (config.http.enabled) {
      const http = createHttpServer({ host: config.http.host, port: config.http.port, health: () => health.check(), metrics: metrics.registry, log });
      stages.push({ name: 'http', start: () => http.start(), stop: () => http.stop() });
    }
    const watchdog = createSdWatchdog({ notifier: createSdNotifier({ log }), framesFlowing: () => health.framesFlowing(), log });
    stages.push({ name: 'watchdog', start: () => watchdog.start(), stop: () => watchdog.stop() });
    liveConfigListeners.push((next) => motion.applyConfig(next), () => events.applyConfig(), (next) => cameras.applyConfig(next));
    return stages;
  }

  return {
    bus,
    async start() {
      log.info({ cameras: config.cameras.length, dataDir: config.dataDir }, 'catwatch starting');
      for (const stage of buildStages()) {
        await stage.start();
        started.push(stage);
        log.debug({ stage: stage.name }, 'stage started');
      }
      log.info('catwatch running');
    },
    async stop() {
      while (started.length > 0) {
        const stage = started.pop() as Stage;
        try {
          await stage.stop();
        } catch (err) {
          log.error({ stage: stage.name, err }, 'stage failed to stop cleanly');
        }
        bus.removeOwner(stage.name);
      }
      db?.close();
      db = undefined;
      log.info('catwatch stopped');
    },
    applyConfig(next) {
      const diff = diffConfig(config, next);
      if (diff.changed.length === 0) {
        log.info('config reloaded, nothing changed');
        return;
      }
      if (diff.restartRequired.length > 0) log.warn({ paths: diff.restartRequired }, 'config changes need a restart to apply');
      log.info({ changed: diff.changed }, 'config reloaded');
      const previous = config;
      config = next;
      for (const listener of configChangeListeners) listener(previous, next);
      for (const listener of liveConfigListeners) {
        Promise.resolve(listener(next)).catch((err: unknown) => log.error({ err }, 'applying config change failed'));
      }
    },
  };
}
