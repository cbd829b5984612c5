/**
 * Home Assistant MQTT discovery: per camera a binary_sensor (target present), a sensor for the top score of the
 * current event and one for the camera's fps, all tied to one device and to catwatch's availability topic.
 */
import type { Config } from '../config/schema.js';
import type { MqttPublisher } from '../publish/mqtt-publisher.js';
import type { Topics } from '../publish/topics.js';

export interface DiscoveryMessage { topic: string; payload: string }

export function discoveryMessages(opts: { prefix: string; baseTopic: string; topics: Topics; cameras: readonly string[]; label: string; version: string }): DiscoveryMessage[] {
  const device = { identifiers: [`catwatch_${opts.baseTopic}`], name: 'catwatch', manufacturer: 'catwatch', sw_version: opts.version };
  const service = { topic: opts.topics.available, payload_available: 'online', payload_not_available: 'offline' };
  const out: DiscoveryMessage[] = [];
  for (const camera of opts.cameras) {
    // An entity is available while the service runs AND its camera delivers frames.
    const availability = [service, { ...service, topic: opts.topics.cameraAvailable(camera) }];
    const id = `catwatch_${opts.baseTopic}_${camera}_${opts.label}`.replace(/[^a-zA-Z0-9_-]/g, '_');
    out.push({
      topic: `${opts.prefix}/binary_sensor/${id}/config`,
      payload: JSON.stringify({
        name: `${camera} ${opts.label}`,
        unique_id: id,
        state_topic: opts.topics.state(camera, opts.label),
        payload_on: 'ON',
        payload_off: 'OFF',
        device_class: 'occupancy',
        availability,
        availability_mode: 'all',
        device,
      }),
    });
    out.push({
      topic: `${opts.prefix}/sensor/${id}_score/config`,
      payload: JSON.stringify({
        name: `${camera} ${opts.label} score`,
        unique_id: `${id}_score`,
        state_topic: opts.topics.events,
        value_template: `{% if value_json.camera == '${camera}' %}{{ value_json.top_score }}{% else %}{{ states('sensor.${id}_score') }}{% endif %}`,
        unit_of_measurement: '',
        availability,
        availability_mode: 'all',
        device,
      }),
    });
    out.push({
      topic: `${opts.prefix}/sensor/${id}_fps/config`,
      payload: JSON.stringify({
        name: `${camera} fps`,
        unique_id: `${id}_fps`,
        state_topic: opts.topics.stats,
        value_template: `{{ value_json.cameras['${camera}'].fps | default(0) }}`,
        unit_of_measurement: 'fps',
        availability,
        availability_mode: 'all',
        device,
      }),
    });
  }
  return out;
}

export interface DiscoveryStageDeps {
  config: () => Config;
  publisher: MqttPublisher;
  version: string;
}

/** Publishes the discovery messages (retained) on every connect and when cameras or the label change. */
export function createDiscoveryStage(deps: DiscoveryStageDeps) {
  let running = false;
  function publishAll(): void {
    const config = deps.config();
    if (!running || !config.mqtt.discovery.enabled || !deps.publisher.isConnected()) return;
    const messages = discoveryMessages({
      prefix: config.mqtt.discovery.prefix,
      baseTopic: config.mqtt.baseTopic,
      topics: deps.publisher.topics,
      cameras: config.cameras.filter((c) => c.enabled).map((c) => c.name),
      label: config.model.label,
      version: deps.version,
    });
    for (const m of messages) deps.publisher.publishLatest(m.topic, m.payload, { retain: true, qos: 1 });
  }
  return {
    name: 'discovery',
    critical: false,
    livePaths: ['cameras', 'model.label'],
    start() {
      running = true;
      deps.publisher.onConnect(publishAll);
    },
    stop() {
      running = false;
    },
    applyConfig: publishAll,
  };
}
