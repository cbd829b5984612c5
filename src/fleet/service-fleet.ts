/**
 * The fleet stage as the service runs it (fleet.*): nodes upload labelled samples and follow the trainer's signed
 * model pointer, retained on `<base>/fleet/model`; the trainer downloads every node's samples and publishes each
 * model it trains. Undefined when the config has no fleet section.
 */
import { hostname } from 'node:os';
import type { Config } from '../config/schema.js';
import type { MqttPublisher } from '../publish/mqtt-publisher.js';
import type { Registry } from '../registry/registry.js';
import type { SampleStore } from '../store/sample-store.js';
import type { Logger } from '../util/log.js';
import { createFleetStage } from './fleet-stage.js';

/** A signed pointer is a few hundred bytes. */
const POINTER_MAX_BYTES = 16 * 1024;

export function createServiceFleet(deps: { config: Config; registry: Registry; samples: SampleStore; publisher: MqttPublisher; log: Logger; backboneId: () => string | undefined }) {
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
