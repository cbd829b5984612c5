/**
 * The embedded broker under abuse by a local client (issue 15): a packet over the size limit is cut off before it is
 * buffered, retained messages of other clients are bounded in count, connections are bounded — and the broker keeps
 * serving everyone else.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as tcpConnect } from 'node:net';
import mqtt from 'mqtt';
import { BROKER_LIMITS, createEmbeddedBroker, internalBrokerCredentials } from '../../src/publish/embedded-broker.js';
import { MAX_PACKET_BYTES } from '../../src/publish/packet-size-limit.js';
import { capturingLogger } from '../helpers/log-capture.js';
import { pollUntil } from '../helpers/poll.js';

async function startBroker(t: { after: (fn: () => Promise<void>) => void }) {
  const { log, lines } = capturingLogger('info');
  const broker = createEmbeddedBroker({ host: '127.0.0.1', port: 0, service: internalBrokerCredentials(), acl: { baseTopic: 'catwatch', discoveryPrefix: 'homeassistant' }, log });
  await broker.start();
  t.after(() => broker.stop());
  return { broker, lines };
}

test('a packet announcing more than the limit closes that connection before its body arrives; others are served', async (t) => {
  const { broker, lines } = await startBroker(t);
  const good = await mqtt.connectAsync(broker.url(), { reconnectPeriod: 0 });
  t.after(() => good.endAsync());
  const port = Number(new URL(broker.url()).port);
  // A raw CONNECT, then the header of a PUBLISH announcing 200 MB (and no body): mqtt.js would refuse to build it.
  const socket = tcpConnect(port, '127.0.0.1');
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('error', () => undefined);
  socket.write(Buffer.from([0x10, 0x0c, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, 0x00, 0x3c, 0x00, 0x00]));
  socket.write(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x64]));
  await closed;
  const refused = await pollUntil('the refusal to be logged', 5000, () => lines.find((l) => l.msg === 'mqtt connection closed: packet too large'));
  assert.ok((refused.announcedBytes as number) > MAX_PACKET_BYTES);
  // Under the limit is fine, and the well-behaved client never noticed.
  await good.subscribeAsync('t/x');
  const got = new Promise<Buffer>((resolve) => good.once('message', (_topic, payload) => resolve(payload)));
  await good.publishAsync('t/x', Buffer.alloc(MAX_PACKET_BYTES - 100, 7), { qos: 1 });
  assert.equal((await got).length, MAX_PACKET_BYTES - 100);
});

test(`retained messages of other clients stop at ${BROKER_LIMITS.maxRetainedTopics} topics; connections stop at ${BROKER_LIMITS.maxClients}`, async (t) => {
  const { broker, lines } = await startBroker(t);
  const flood = await mqtt.connectAsync(broker.url(), { reconnectPeriod: 0 });
  t.after(() => flood.endAsync(true));
  flood.on('error', () => undefined);
  // The broker disconnects a client whose publish it refuses: that is the observable end of the flood.
  const floodClosed = new Promise<void>((resolve) => flood.once('close', () => resolve()));
  for (let i = 0; i < BROKER_LIMITS.maxRetainedTopics + 5; i++) flood.publish(`junk/${i}`, 'x', { qos: 0, retain: true });
  await floodClosed;
  assert.ok(lines.some((l) => l.msg === 'mqtt retained message refused: retained store full'));
  const reader = await mqtt.connectAsync(broker.url(), { reconnectPeriod: 0 });
  t.after(() => reader.endAsync());
  let retained = 0;
  reader.on('message', (_topic, _payload, packet) => void (retained += packet.retain ? 1 : 0));
  await reader.subscribeAsync('junk/#');
  await pollUntil('the retained messages to arrive', 10_000, () => (retained >= BROKER_LIMITS.maxRetainedTopics ? true : undefined));
  assert.equal(retained, BROKER_LIMITS.maxRetainedTopics);

  // Connect until the broker refuses: that happens at the limit (reader included), not before and not never.
  const clients: mqtt.MqttClient[] = [reader];
  const extra: mqtt.MqttClient[] = [];
  t.after(() => Promise.all(extra.map((c) => c.endAsync(true))).then(() => undefined));
  let refused = false;
  while (!refused && clients.length + extra.length <= BROKER_LIMITS.maxClients + 2) {
    try {
      extra.push(await mqtt.connectAsync(broker.url(), { reconnectPeriod: 0, connectTimeout: 3000 }));
    } catch {
      refused = true;
    }
  }
  assert.ok(refused, 'a connection beyond the limit must be refused');
  assert.equal(clients.length + extra.length, BROKER_LIMITS.maxClients);
  assert.ok(lines.some((l) => l.msg === 'mqtt connection refused: too many clients'));
  // Below the limit again, a new client is served.
  await extra.pop()!.endAsync(true);
  const late = await pollUntil('a connection below the limit', 10_000, () => mqtt.connectAsync(broker.url(), { reconnectPeriod: 0, connectTimeout: 3000 }).catch(() => undefined));
  extra.push(late);
});
