/**
 * Issue 15: one secret, written into camera and broker credentials in 11 URL shapes, must never appear in anything
 * catwatch outputs — the service's logs (debug level, ffmpeg stderr tails included), /metrics, the JSON API and the
 * web UI, every MQTT message (status, availability, stats, discovery), `config show`, `config check`, `doctor`, and
 * the errors of configs that are broken around a URL. The cameras talk to a fake RTSP server that answers
 * 401 Unauthorized, so ffmpeg fails the way a camera with a changed password makes it fail, and prints its URL.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { stringify } from 'yaml';
import { runCli, startCli } from '../helpers/cli.js';
import { freePort } from '../helpers/free-port.js';
import { pollUntil } from '../helpers/poll.js';

const SECRET = 'Qz7SecretPw';
const ENV_SECRET_NAME = 'CW_TEST_CAMERA_PASSWORD';

/** Each camera URL shape, for an RTSP server on 127.0.0.1:port. */
function cameraUrls(port: number): string[] {
  const at = `127.0.0.1:${port}`;
  return [
    `rtsp://admin:${SECRET}@${at}/stream1`,
    `rtsp://admin:${SECRET}@with@at@${at}/live`,
    `rtsp://admin:pa/ss${SECRET}@${at}/live`,
    `rtsp://:${SECRET}@${at}/live`,
    `rtsp://${SECRET}@${at}/live`,
    `rtsps://user:${SECRET}@${at}/x`,
    `rtsp://user%40site:${SECRET}%2F1@${at}/x`,
    `rtsp://${at}/snap?user=admin&password=${SECRET}`,
    `rtsp://${at}/cgi?token=${SECRET}`,
    `rtsp://viewer:\${env:${ENV_SECRET_NAME}}@${at}/ref`,
  ];
}

/** Answers every RTSP request with 401, as a camera does when the password is wrong. */
function startUnauthorisedRtsp(): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.on('data', (data) => {
      const cseq = /CSeq:\s*(\d+)/i.exec(data.toString('latin1'))?.[1] ?? '1';
      socket.write(`RTSP/1.0 401 Unauthorized\r\nCSeq: ${cseq}\r\nWWW-Authenticate: Basic realm="cam"\r\nContent-Length: 0\r\n\r\n`);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port })));
}

let dir: string;
let rtsp: { server: Server; port: number };
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cw-redact-'));
  rtsp = await startUnauthorisedRtsp();
});
after(() => {
  rtsp?.server.close();
  rmSync(dir, { recursive: true, force: true });
});

function assertNoSecret(where: string, text: string): void {
  assert.ok(text.length > 0, `${where}: nothing was collected, so nothing was checked`);
  const at = text.indexOf(SECRET);
  assert.equal(at, -1, `${where} shows the secret: …${text.slice(Math.max(0, at - 120), at + 40)}…`);
}

test('no output of catwatch shows a credential, in any of 11 URL shapes', { timeout: 240_000 }, async (t) => {
  const [httpPort, mqttPort] = [await freePort(), await freePort()];
  const urls = cameraUrls(rtsp.port);
  const configPath = join(dir, 'catwatch.yml');
  writeFileSync(configPath, stringify({
    dataDir: join(dir, 'data'),
    cameras: urls.map((url, i) => ({ name: `cam${i}`, url, detectFps: 2, width: 160, height: 120, stallTimeoutS: 3 })),
    // The 11th shape: the broker's password (the embedded broker with credentials, so every client needs them).
    mqtt: { username: 'writer', password: SECRET, embedded: { port: mqttPort } },
    http: { port: httpPort },
    stats: { intervalS: 1 },
    model: { backbone: 'objectron' },
  }));
  const env = { [ENV_SECRET_NAME]: SECRET, CATWATCH_LOG_LEVEL: 'debug' };

  const svc = startCli(['run', '--config', configPath], { env });
  t.after(async () => {
    const exited = new Promise((resolve) => svc.child.once('exit', resolve));
    svc.child.kill('SIGTERM');
    await exited;
  });
  const base = `http://127.0.0.1:${httpPort}`;
  const text = async (path: string): Promise<string> => (await fetch(`${base}${path}`)).text();
  // Every camera has failed against the 401 server and been restarted: its ffmpeg stderr tail has been logged.
  await pollUntil('every camera failed and restarted once', 120_000, async () => {
    const metrics = await text('/metrics').catch(() => '');
    const restarted = urls.filter((_u, i) => new RegExp(`catwatch_ffmpeg_restarts_total\\{camera="cam${i}"\\} [1-9]`).test(metrics));
    return restarted.length === urls.length ? true : undefined;
  }, svc.output);

  const messages: string[] = [];
  const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { username: 'writer', password: SECRET, reconnectPeriod: 0 });
  t.after(() => client.endAsync());
  client.on('message', (topic, payload) => messages.push(`${topic} ${payload.toString('utf8')}`));
  await client.subscribeAsync('#');
  await pollUntil('retained state and a stats message', 30_000, () => (messages.some((m) => m.startsWith('catwatch/stats ')) && messages.some((m) => m.startsWith('homeassistant/')) ? true : undefined));

  for (const path of ['/metrics', '/api/status', '/api/overview', '/api/events', '/api/samples', '/api/train', '/api/models', '/healthz', '/', '/events', '/samples', '/train', '/models']) {
    assertNoSecret(`GET ${path}`, await text(path));
  }
  assertNoSecret('MQTT messages', messages.join('\n'));
  assertNoSecret('service log (debug)', svc.output());

  for (const args of [['config', 'show'], ['config', 'check'], ['doctor', '--timeout', '3']]) {
    const out = await runCli([...args, '--config', configPath], { env, timeoutMs: 120_000 });
    assertNoSecret(`catwatch ${args.join(' ')}`, out.stdout + out.stderr);
  }
});

test('configs broken around a credential name the problem without showing it', { timeout: 60_000 }, async () => {
  const broken: Array<[string, string]> = [
    ['control character in a URL', stringify({ cameras: [{ name: 'a', url: `rtsp://u:${SECRET}@h/x\u0001` }] })],
    ['unknown key next to a URL', `cameras:\n  - name: a\n    url rtsp://u:${SECRET}@h/x\n    urll: rtsp://u:${SECRET}@h/y\n`],
    ['YAML syntax error on the URL line', `cameras:\n  - name: a\n    url: [rtsp://u:${SECRET}@h/x\n`],
    ['unterminated quote', `mqtt:\n  url: "mqtt://u:${SECRET}@broker:1883\n`],
    ['duplicate camera name', stringify({ cameras: [{ name: 'a', url: `rtsp://u:${SECRET}@h/x` }, { name: 'a', url: `rtsp://u:${SECRET}@h/y` }] })],
    ['a file URL with a host', stringify({ cameras: [{ name: 'a', url: `file://u:${SECRET}@host/clip.mp4` }] })],
    ['a missing secret reference', stringify({ mqtt: { url: `mqtt://u:${SECRET}@broker`, password: '${env:CW_NOT_SET_ANYWHERE}' } })],
  ];
  for (const [what, yaml] of broken) {
    const path = join(dir, 'broken.yml');
    writeFileSync(path, yaml);
    const out = await runCli(['config', 'check', '--config', path]);
    assert.notEqual(out.code, 0, `${what}: config check must refuse it`);
    assert.match(out.stderr + out.stdout, /broken\.yml|cameras|mqtt/, `${what}: the error names the file or the key`);
    assertNoSecret(`config check (${what})`, out.stdout + out.stderr);
  }
});
