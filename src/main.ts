/**
 * The only place where stages are wired together. Stages start in order and stop in reverse; data flows one way:
 * ingest → motion → score → events → publish, and score → mine → store → train → registry → score.
 */
import type { Config } from './config/schema.js';
import { diffConfig } from './config/config-diff.js';
import { openDatabase, type Db } from './store/database.js';
import { createOutbox } from './publish/outbox.js';
import { createEmbeddedBroker } from './publish/embedded-broker.js';
import { createMqttPublisher, type MqttPublisher } from './publish/mqtt-publisher.js';
import { createEventBus, type EventBus } from './util/event-bus.js';
import type { Logger } from './util/log.js';

export interface Stage {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Apply a new config live; stages that ignore it need not implement this. */
  applyConfig?(config: Config): void;
}

export interface ServiceDeps {
  config: Config;
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
  let db: Db | undefined;
  let publisher: MqttPublisher | undefined;

  /** Stages are built at start (factories have no side effects, but they need the database). */
  function buildStages(): Stage[] {
    const stages: Stage[] = [];
    db = openDatabase(config.dataDir);
    const outbox = createOutbox({ db, maxMessages: config.mqtt.outboxMax });

    if (!config.mqtt.url) {
      const broker = createEmbeddedBroker({ ...config.mqtt.embedded, username: config.mqtt.username, password: config.mqtt.password, log });
      stages.push({ name: 'broker', start: () => broker.start(), stop: () => broker.stop() });
      // The publisher connects after the broker started, so it reads the bound port lazily.
      publisher = createMqttPublisher({
        get url() {
          return broker.url();
        },
        baseTopic: config.mqtt.baseTopic,
        clientId: config.mqtt.clientId,
        username: config.mqtt.username,
        password: config.mqtt.password,
        outbox,
        log,
      });
    } else {
      publisher = createMqttPublisher({
        url: config.mqtt.url,
        baseTopic: config.mqtt.baseTopic,
        clientId: config.mqtt.clientId,
        username: config.mqtt.username,
        password: config.mqtt.password,
        tls: config.mqtt.tls,
        outbox,
        log,
      });
    }
    const mqttStage = publisher;
    stages.push({ name: 'mqtt', start: () => mqttStage.start(), stop: () => mqttStage.stop() });
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
      config = next;
      for (const stage of started) stage.applyConfig?.(next);
    },
  };
}
