/**
 * The service's MQTT transport: the embedded broker when no external one is configured, and the publisher. On the
 * embedded broker the service's own client is a writer: the configured credentials, else an internal one.
 */
import type { Config } from '../config/schema.js';
import type { Logger } from '../util/log.js';
import { createEmbeddedBroker, internalBrokerCredentials } from './embedded-broker.js';
import { createMqttPublisher } from './mqtt-publisher.js';
import type { Outbox } from './outbox.js';

export function createMqttTransport(deps: { config: Pick<Config, 'mqtt' | 'node'>; outbox: Outbox; log: Logger }) {
  const { mqtt } = deps.config;
  const service = mqtt.username && mqtt.password ? { username: mqtt.username, password: mqtt.password } : internalBrokerCredentials();
  const broker = mqtt.url ? undefined : createEmbeddedBroker({ ...mqtt.embedded, username: mqtt.username, password: mqtt.password, service, acl: { baseTopic: mqtt.baseTopic, discoveryPrefix: mqtt.discovery.prefix }, log: deps.log });
  // The embedded broker's port is known only once it listens (port 0 in tests): read at connect time.
  const publisher = createMqttPublisher({ ...mqtt, nodeId: deps.config.node.id, ...(broker ? service : {}), outbox: deps.outbox, log: deps.log, get url() { return mqtt.url ?? broker?.url() ?? ''; } });
  return { broker, publisher };
}
