/**
 * Issue 16: three `catwatch run` nodes with their own cameras on one real mosquitto. Node state (availability and
 * last will, status, stats, training) lives under catwatch/nodes/<id>/, so no retained topic collides; Home
 * Assistant discovery lists every camera once with its node's availability; killing one node (kill -9: only the
 * broker's last will speaks for it) marks only that node's cameras unavailable.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { makeClip } from '../helpers/clips.js';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { pollUntil } from '../helpers/poll.js';
import { startService, type ServiceHarness } from '../helpers/service.js';

const NODES = { alpha: ['porch', 'yard'], beta: ['garage', 'shed'], gamma: ['hall'] } as const;

let dir: string;
let broker: Mosquitto;
let clip: string;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cw-nodes-'));
  broker = await startMosquitto();
  clip = await makeClip({ out: join(dir, 'testsrc.mp4'), seconds: 6, fps: 5, width: 160, height: 120 });
});
after(async () => {
  await broker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Discovery { unique_id: string; state_topic: string; availability: Array<{ topic: string }> }

test('three nodes on one broker: no retained topic collides, discovery lists each camera once, a dead node takes only its cameras', { timeout: 300_000 }, async (t) => {
  const nodes: Record<string, ServiceHarness> = {};
  for (const [id, cameras] of Object.entries(NODES)) {
    nodes[id] = await startService({
      brokerUrl: broker.url,
      config: {
        node: { id },
        cameras: cameras.map((name) => ({ name, url: clip, detectFps: 1, width: 160, height: 120 })),
        model: { backbone: 'objectron', workers: 1 },
      },
    });
    t.after(() => nodes[id].stop().then(() => undefined));
  }
  await Promise.all(Object.values(nodes).map((n) => n.waitForRunning(120_000)));

  // A fresh subscriber sees the broker's retained state as a whole.
  const retained = new Map<string, string>();
  const watcher = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
  t.after(() => watcher.endAsync());
  watcher.on('message', (topic, payload, packet) => void (packet.retain || retained.has(topic) ? retained.set(topic, payload.toString()) : undefined));
  await watcher.subscribeAsync(['catwatch/#', 'homeassistant/#'], { qos: 1 });
  const allCameras = Object.values(NODES).flat();
  await pollUntil('every node\'s retained state and every camera\'s discovery', 30_000, () =>
    (Object.keys(NODES).every((id) => retained.has(`catwatch/nodes/${id}/status`)) &&
      allCameras.every((c) => [...retained.keys()].some((k) => k.startsWith('homeassistant/binary_sensor/') && k.includes(`_${c}_`))) ? true : undefined));

  for (const id of Object.keys(NODES)) {
    assert.equal(retained.get(`catwatch/nodes/${id}/available`), 'online');
    const status = JSON.parse(retained.get(`catwatch/nodes/${id}/status`)!) as { node: string; cameras: Record<string, unknown> };
    assert.equal(status.node, id, 'each node\'s status names the node');
    assert.deepEqual(Object.keys(status.cameras).sort(), [...NODES[id as keyof typeof NODES]].sort(), 'and holds only its own cameras');
  }
  for (const shared of ['catwatch/available', 'catwatch/status', 'catwatch/train/state']) assert.ok(!retained.has(shared), `${shared} would be overwritten by every node`);

  const sensors = [...retained.entries()].filter(([k]) => k.startsWith('homeassistant/binary_sensor/')).map(([, v]) => JSON.parse(v) as Discovery);
  assert.equal(sensors.length, allCameras.length, 'one occupancy sensor per camera');
  assert.equal(new Set(sensors.map((s) => s.unique_id)).size, allCameras.length, 'unique ids never repeat');
  for (const [id, cameras] of Object.entries(NODES)) {
    for (const camera of cameras) {
      const sensor = sensors.find((s) => s.state_topic === `catwatch/${camera}/cat`);
      assert.ok(sensor, `a sensor for ${camera}, keyed by the camera`);
      assert.ok(!sensor.unique_id.includes(id), 'the unique id does not name the node: a camera moved to another node keeps its entity');
      assert.ok(sensor.availability.some((a) => a.topic === `catwatch/nodes/${id}/available`), `${camera} follows ${id}'s availability`);
    }
  }

  // kill -9 beta: the broker publishes its last will; alpha and gamma stay online.
  await nodes.beta.kill9();
  await pollUntil('beta marked offline by its last will', 60_000, () => (retained.get('catwatch/nodes/beta/available') === 'offline' ? true : undefined));
  assert.equal(retained.get('catwatch/nodes/alpha/available'), 'online');
  assert.equal(retained.get('catwatch/nodes/gamma/available'), 'online');
});
