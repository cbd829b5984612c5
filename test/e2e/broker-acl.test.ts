/**
 * Issue 15, the embedded broker's trust boundary, against `catwatch run` and a real mqtt.js client: without
 * credentials configured an anonymous local client reads everything but cannot start a training, overwrite retained
 * state or Home Assistant discovery (the broker refuses and disconnects it); with credentials configured anonymous
 * clients are refused and an authenticated client's `train/set` starts a training.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { stringify } from 'yaml';
import { startCli } from '../helpers/cli.js';
import { freePort } from '../helpers/free-port.js';
import { pollUntil } from '../helpers/poll.js';
import { startMosquitto } from '../helpers/mosquitto.js';

/** `catwatch run` on its embedded broker (or on `mqttConfig.url`), waited for until it reports running. */
async function startRun(mqttConfig: Record<string, unknown>) {
  const dir = mkdtempSync(join(tmpdir(), 'cw-acl-'));
  const [httpPort, mqttPort] = [await freePort(), await freePort()];
  const mqttSection = mqttConfig.url ? mqttConfig : { embedded: { port: mqttPort }, ...mqttConfig };
  writeFileSync(join(dir, 'catwatch.yml'), stringify({ dataDir: join(dir, 'data'), mqtt: mqttSection, http: { port: httpPort } }));
  const cli = startCli(['run', '--config', join(dir, 'catwatch.yml')], { env: { CATWATCH_LOG_LEVEL: 'info' } });
  const base = `http://127.0.0.1:${httpPort}`;
  const api = async <T>(path: string): Promise<T> => (await (await fetch(`${base}${path}`)).json()) as T;
  await pollUntil('the service running', 60_000, async () => ((await api<{ state: string }>('/api/status').catch(() => undefined))?.state === 'running' ? true : undefined), cli.output);
  return {
    url: (mqttConfig.url as string | undefined) ?? `mqtt://127.0.0.1:${mqttPort}`,
    api,
    output: cli.output,
    metrics: async () => (await fetch(`${base}/metrics`)).text(),
    stop: async () => {
      const exited = new Promise((resolve) => cli.child.once('exit', resolve));
      cli.child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Publishes as the client; resolves 'acked' or 'refused' (the broker closed the connection instead of a PUBACK). */
async function tryPublish(url: string, topic: string, payload: string, retain: boolean, auth: { username?: string; password?: string } = {}): Promise<'acked' | 'refused'> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, ...auth });
  const closed = new Promise<'refused'>((resolve) => client.once('close', () => resolve('refused')));
  client.on('error', () => undefined);
  const result = await Promise.race([client.publishAsync(topic, payload, { qos: 1, retain }).then(() => 'acked' as const), closed]);
  await client.endAsync(true);
  return result;
}

async function retained(url: string, topic: string): Promise<string> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  try {
    const message = new Promise<string>((resolve) => client.on('message', (t, p) => t === topic && resolve(p.toString())));
    await client.subscribeAsync(topic, { qos: 1 });
    return await message;
  } finally {
    await client.endAsync(true);
  }
}

test('embedded broker without credentials: anonymous clients read, but cannot command, fake state or discovery', { timeout: 120_000 }, async (t) => {
  const svc = await startRun({});
  t.after(() => svc.stop());
  assert.match(await retained(svc.url, 'catwatch/status'), /"state":"running"/, 'anonymous clients read the state');
  assert.equal(await tryPublish(svc.url, 'catwatch/train/set', '', false), 'refused', 'no training from an anonymous client');
  assert.equal(await tryPublish(svc.url, 'catwatch/samples/set', '{"id":1,"label":"positive"}', false), 'refused');
  assert.equal(await tryPublish(svc.url, 'catwatch/status', '{"state":"fake"}', true), 'refused', 'no overwriting retained state');
  assert.equal(await tryPublish(svc.url, 'homeassistant/binary_sensor/x/config', '{}', true), 'refused', 'no overwriting discovery');
  assert.equal(await tryPublish(svc.url, 'catwatch/doctor/round-trip', 'ping', false), 'acked', 'the doctor round trip still works');
  assert.equal(await tryPublish(svc.url, 'elsewhere/topic', 'x', false), 'acked', 'topics outside catwatch are not its business');
  assert.match(await retained(svc.url, 'catwatch/status'), /"state":"running"/, 'the retained state is still the service\'s');
  assert.deepEqual((await svc.api<{ runs: unknown[] }>('/api/train')).runs, [], 'no training ran');
});

test('embedded broker with credentials: anonymous clients are refused, an authenticated one commands', { timeout: 180_000 }, async (t) => {
  const svc = await startRun({ username: 'writer', password: 'w-secret-1' });
  t.after(() => svc.stop());
  await assert.rejects(mqtt.connectAsync(svc.url, { reconnectPeriod: 0 }), /Not authorized|Bad username or password|connack/i);
  await assert.rejects(mqtt.connectAsync(svc.url, { reconnectPeriod: 0, username: 'writer', password: 'wrong' }), /Not authorized|Bad username or password|connack/i);
  assert.equal(await tryPublish(svc.url, 'catwatch/train/set', '', false, { username: 'writer', password: 'w-secret-1' }), 'acked');
  await pollUntil('the training the authenticated client asked for', 30_000, async () => ((await svc.api<{ runs: Array<{ reason: string }> }>('/api/train')).runs.some((r) => r.reason === 'mqtt train/set') ? true : undefined), svc.output);
});

test('a retained train/set on mosquitto starts no training, across two restarts of the service', { timeout: 180_000 }, async (t) => {
  const broker = await startMosquitto();
  t.after(() => broker.stop());
  // Someone left a retained command on the broker (a script with retain: true, a Home Assistant button misconfigured).
  const client = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
  await client.publishAsync('catwatch/train/set', '{}', { qos: 1, retain: true });
  await client.endAsync();
  for (const round of [1, 2]) {
    const svc = await startRun({ url: broker.url });
    try {
      // Each start receives the retained message on subscribing: it is refused (counted), never run.
      await pollUntil(`start ${round}: the retained train/set refused`, 30_000, async () =>
        (/catwatch_mqtt_commands_refused_total\{reason="retained"\} 1\b/.test(await svc.metrics()) ? true : undefined), svc.output);
      assert.deepEqual((await svc.api<{ runs: unknown[] }>('/api/train')).runs, [], `start ${round}: no training`);
    } finally {
      await svc.stop();
    }
  }
});

