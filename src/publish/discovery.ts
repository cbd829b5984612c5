/**
 * Home Assistant MQTT discovery: per camera a binary_sensor (target present), a sensor for the top score of the
 * current event and one for the camera's fps, all tied to one device and to catwatch's availability topic.
 */
import type { Topics } from './topics.js';

export interface DiscoveryMessage { topic: string; payload: string }

export function discoveryMessages(opts: { prefix: string; baseTopic: string; topics: Topics; cameras: readonly string[]; label: string; version: string }): DiscoveryMessage[] {
  const device = { identifiers: [`catwatch_${opts.baseTopic}`], name: 'catwatch', manufacturer: 'catwatch', sw_version: opts.version };
  const availability = [{ topic: opts.topics.available, payload_available: 'online', payload_not_available: 'offline' }];
  const out: DiscoveryMessage[] = [];
  for (const camera of opts.cameras) {
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
        device,
      }),
    });
  }
  return out;
}
