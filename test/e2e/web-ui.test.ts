/**
 * Issue 13, the review queue in a real browser: `catwatch run` mines samples from a real clip, Debian's chromium
 * (playwright-core) labels three by keyboard (with an undo) and five by shift-click + the bulk bar, and
 * `catwatch samples list` shows exactly those labels. The scored box is drawn where the stored box says, and the
 * server refuses a label request without the CSRF token, from another origin, or for a Host name that is not loopback.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { join } from 'node:path';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.js';
import { startService, type ServiceHarness } from '../helpers/service.js';
import { pollUntil } from '../helpers/poll.js';
import { skipWithoutShared, videoDir } from '../helpers/paths.js';
import { samplesList } from '../helpers/training.js';
import { launchChromium, skipWithoutChromium } from '../helpers/browser.js';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { runCli } from '../helpers/cli.js';
import { tmpdir } from 'node:os';
import { createRegistry } from '../../src/registry/registry.js';
import { bundledModelsDir } from '../../src/util/package-root.js';

const OBJECTRON = 'objectron-ssd-mnv2-openimages@0.4.1675468480';
const CHILD_ENV_SECRET = 'not-for-children-7f3a';

let broker: Mosquitto;
before(async () => {
  if (skipWithoutShared() || skipWithoutChromium()) return;
  broker = await startMosquitto();
});
after(async () => {
  await broker?.stop();
});

function post(port: number, path: string, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Reads the camera's MJPEG stream until `want` JPEG parts came (or the deadline); returns how many came. */
function mjpegParts(port: number, camera: string, want: number, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let parts = 0;
    let buffered = Buffer.alloc(0);
    const req = request({ host: '127.0.0.1', port, path: `/api/live/${camera}.mjpeg` }, (res) => {
      if (!/^multipart\/x-mixed-replace; boundary=/.test(res.headers['content-type'] ?? '')) return reject(new Error(`not MJPEG: ${res.headers['content-type']}`));
      res.on('data', (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        // A part: its header, then a JPEG (SOI ff d8 ... EOI ff d9) of the announced length.
        for (let m = /Content-Type: image\/jpeg\r\nContent-Length: (\d+)\r\n\r\n/.exec(buffered.toString('latin1')); m; m = /Content-Type: image\/jpeg\r\nContent-Length: (\d+)\r\n\r\n/.exec(buffered.toString('latin1'))) {
          const start = m.index + m[0].length;
          const length = Number(m[1]);
          if (buffered.length < start + length) break;
          const jpeg = buffered.subarray(start, start + length);
          if (jpeg[0] === 0xff && jpeg[1] === 0xd8 && jpeg[length - 2] === 0xff && jpeg[length - 1] === 0xd9) parts++;
          buffered = buffered.subarray(start + length);
        }
        if (parts >= want) req.destroy();
      });
      res.on('close', () => resolve(parts));
    });
    req.on('error', () => resolve(parts));
    setTimeout(() => req.destroy(), timeoutMs).unref();
    req.end();
  });
}

function writeConfig(config: Record<string, unknown>): string {
  const path = join(mkdtempSync(join(tmpdir(), 'cw-web-config-')), 'catwatch.yml');
  writeFileSync(path, stringify(config));
  return path;
}

/** An older model version (the bundled model saved again), so there is something to roll back to. */
const OLDER_VERSION = '20260101T000000Z';
function saveOlderVersion(dataDir: string): void {
  const registry = createRegistry({ dataDir, bundledDir: bundledModelsDir() });
  const bundled = registry.bundled(OBJECTRON);
  assert.ok(bundled);
  registry.save({ ...bundled.manifest, version: OLDER_VERSION, createdAt: '2026-01-01T00:00:00.000Z', reason: 'test: an older version' }, bundled.head);
}

async function startMining(): Promise<ServiceHarness> {
  const dataDir = mkdtempSync(join(tmpdir(), 'cw-web-data-'));
  saveOlderVersion(dataDir);
  const svc = await startService({
    dataDir,
    brokerUrl: broker.url,
    config: {
      model: { workers: 1 },
      mine: { bandLow: 0.01, dedupBits: 2, maxPerCameraPerHour: 1000 },
      cameras: [{ name: 'table', url: join(videoDir, 'nocat_bottles_table_intel.mp4'), detectFps: 5, motion: { enabled: false } }],
    },
    env: { CATWATCH_TEST_SECRET: CHILD_ENV_SECRET },
  });
  await pollUntil('10 samples mined', 90_000, async () => ((await samplesList(dataDir)).total >= 10 ? true : undefined), () => svc.output());
  // ffmpeg children get a minimal environment: nothing of the service's (its MQTT password would be there).
  const [ffmpegPid] = svc.ffmpegChildren();
  assert.ok(ffmpegPid, 'the camera runs an ffmpeg child');
  const childEnv = readFileSync(`/proc/${ffmpegPid}/environ`, 'utf8');
  assert.ok(childEnv.includes('PATH=') && !childEnv.includes(CHILD_ENV_SECRET), 'minimal child environment');

  return svc;
}

test('review queue: keyboard and bulk labels in chromium reach the sample store; box overlay; CSRF, Origin and Host checks', { skip: skipWithoutShared() || skipWithoutChromium(), timeout: 300_000 }, async (t) => {
  const svc = await startMining();
  t.after(() => svc.stop());
  const dataDir = svc.dataDir;
  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await browser.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.goto(`http://127.0.0.1:${svc.httpPort}/samples`);
  const ids = (await page.locator('.card').evaluateAll((cards) => cards.map((c) => Number((c as unknown as { dataset: { id: string } }).dataset.id)))).slice(0, 9);
  assert.equal(ids.length, 9, 'at least 9 unreviewed samples on the page');

  // Keyboard: n labels the first (cursor moves on), p the second, j skips the third, r the fourth; u undoes it, r again.
  const message = page.locator('#message');
  for (const [key, expected] of [['n', 'labelled 1 as negative'], ['p', 'labelled 1 as positive']] as const) {
    await page.keyboard.press(key);
    await message.filter({ hasText: expected }).waitFor({ timeout: 10_000 });
  }
  await page.keyboard.press('j');
  await page.keyboard.press('r');
  await message.filter({ hasText: 'labelled 1 as rejected' }).waitFor({ timeout: 10_000 });
  await page.keyboard.press('u');
  await message.filter({ hasText: 'undid the labelling of 1' }).waitFor({ timeout: 10_000 });
  const afterUndo = await samplesList(dataDir);
  assert.equal(afterUndo.samples.find((s) => s.id === ids[3])?.state, 'mined', 'undo restored the previous state in the store');
  await page.keyboard.press('k');
  await page.keyboard.press('r');
  await message.filter({ hasText: 'labelled 1 as rejected' }).waitFor({ timeout: 10_000 });

  // Shift-click a range of five, then the bulk bar.
  await page.locator(`.card[data-id="${ids[4]}"]`).click();
  await page.locator(`.card[data-id="${ids[8]}"]`).click({ modifiers: ['Shift'] });
  assert.equal(await page.locator('#selected-count').textContent(), '5');
  await page.locator('#bulk button[data-label="negative"]').click();
  await message.filter({ hasText: 'labelled 5 as negative' }).waitFor({ timeout: 10_000 });

  const expected = new Map<number, string>([[ids[0], 'negative'], [ids[1], 'positive'], [ids[3], 'rejected'], ...ids.slice(4, 9).map((id) => [id, 'negative'] as [number, string])]);
  const list = await samplesList(dataDir);
  const labelled = new Map(list.samples.filter((s) => s.state !== 'mined').map((s) => [s.id, s.state]));
  assert.deepEqual([...labelled].sort((a, b) => a[0] - b[0]), [...expected].sort((a, b) => a[0] - b[0]), 'exactly the labels given in the browser');

  // The overlay lies on the stored box (fractions of the frame image), within a pixel or two.
  const api = (await (await fetch(`http://127.0.0.1:${svc.httpPort}/api/samples?state=all&limit=500`)).json()) as { samples: Array<{ id: number; box: { x: number; y: number; w: number; h: number } | null }> };
  const withBox = api.samples.find((s) => s.box && ids.includes(s.id));
  assert.ok(withBox?.box, 'mined samples carry their scored box');
  const geometry = await page.locator(`.card[data-id="${withBox.id}"] .frame`).evaluate((frame) => {
    const img = frame.querySelector('img')!.getBoundingClientRect();
    const box = frame.querySelector('.box')!.getBoundingClientRect();
    return { img: { x: img.x, y: img.y, w: img.width, h: img.height }, box: { x: box.x, y: box.y, w: box.width, h: box.height } };
  });
  const b = withBox.box;
  const near = (a: number, e: number) => Math.abs(a - e) <= 2;
  assert.ok(near(geometry.box.x, geometry.img.x + b.x * geometry.img.w) && near(geometry.box.w, b.w * geometry.img.w), `overlay x/w ${JSON.stringify(geometry)} vs box ${JSON.stringify(b)}`);
  assert.ok(near(geometry.box.y, geometry.img.y + b.y * geometry.img.h) && near(geometry.box.h, b.h * geometry.img.h), `overlay y/h ${JSON.stringify(geometry)} vs box ${JSON.stringify(b)}`);
  assert.deepEqual(pageErrors, [], 'no script errors (and none blocked by the content security policy)');

  // The server side of the rules: each of these is refused and changes nothing.
  const csrf = await page.locator('meta[name="csrf-token"]').getAttribute('content');
  const origin = `http://127.0.0.1:${svc.httpPort}`;
  const body = JSON.stringify({ ids: [ids[2]], state: 'positive' });
  assert.equal(await post(svc.httpPort, '/api/samples/label', { origin }, body), 403, 'no CSRF token');
  assert.equal(await post(svc.httpPort, '/api/samples/label', { origin: 'http://evil.example', 'x-csrf-token': csrf ?? '' }, body), 403, 'another origin');
  assert.equal(await post(svc.httpPort, '/api/samples/label', { host: `evil.example:${svc.httpPort}`, origin: `http://evil.example:${svc.httpPort}`, 'x-csrf-token': csrf ?? '' }, body), 403, 'a rebound Host name');
  assert.equal(await post(svc.httpPort, '/api/samples/label', { origin, 'x-csrf-token': csrf ?? '' }, JSON.stringify({ ids: [ids[2], 999_999], state: 'positive' })), 404, 'an unknown id: nothing labelled');
  assert.equal((await samplesList(dataDir)).samples.find((s) => s.id === ids[2])?.state, 'mined', 'all or nothing');
  assert.equal(await post(svc.httpPort, '/api/samples/label', { origin, 'x-csrf-token': csrf ?? '' }, 'x'.repeat(70_000)), 413, 'body over the cap');

  // Live view: the MJPEG stream of the camera delivers JPEG parts (the same ones every viewer gets).
  assert.ok((await mjpegParts(svc.httpPort, 'table', 3, 20_000)) >= 3, 'at least 3 JPEG parts');

  // Overview: the camera with its live thumbnail (a decoded image in the browser) and the sample counts.
  await page.goto(`http://127.0.0.1:${svc.httpPort}/`);
  await page.locator('figure[data-camera="table"] figcaption').filter({ hasText: 'connected' }).waitFor({ timeout: 10_000 });
  await pollUntil('the live thumbnail to show a frame', 20_000, async () => ((await page.locator('figure[data-camera="table"] img').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)) > 0 ? true : undefined));
  assert.match((await page.locator('main > p').first().textContent()) ?? '', /negative 6, positive 1, rejected 1/);
  assert.equal((await fetch(`http://127.0.0.1:${svc.httpPort}/events`)).status, 200);

  // Retrain now: progress while it runs, then the result with a link to the new version's report.
  await page.goto(`http://127.0.0.1:${svc.httpPort}/train`);
  await page.locator('#retrain').click();
  await page.locator('#train-phase').filter({ hasText: /embed|fit|gate/ }).waitFor({ timeout: 60_000 });
  await page.locator('#train-report').waitFor({ timeout: 180_000 });
  const state = (await page.locator('#train-state').textContent()) ?? '';
  assert.ok(['complete', 'rejected'].includes(state), `the training ended with a version: ${state}, ${await page.locator('#train-result').textContent()}`);
  const newVersion = /version (\S+)/.exec((await page.locator('#train-result').textContent()) ?? '')?.[1];
  assert.ok(newVersion);
  await page.locator('#train-report').click();
  await page.locator('h1').filter({ hasText: newVersion }).waitFor({ timeout: 10_000 });

  // Models: make the new version current if the gate kept it out, then roll back to the older one.
  await page.goto(`http://127.0.0.1:${svc.httpPort}/models`);
  if ((await page.locator('#current-version').textContent()) !== newVersion) {
    await page.locator(`tr[data-version="${newVersion}"] button`).click();
    await page.locator('#current-version').filter({ hasText: newVersion }).waitFor({ timeout: 10_000 });
  }
  // The page names what a rollback goes back to (rendered with the current version, so load it again).
  await page.goto(`http://127.0.0.1:${svc.httpPort}/models`);
  const rollback = page.locator('button[data-post="/api/models/rollback"]');
  assert.equal(await rollback.textContent(), `Roll back to ${OLDER_VERSION}`);
  await rollback.click();
  await page.locator('#current-version').filter({ hasText: OLDER_VERSION }).waitFor({ timeout: 10_000 });
  const models = (await (await fetch(`http://127.0.0.1:${svc.httpPort}/api/models`)).json()) as { current: string };
  assert.equal(models.current, OLDER_VERSION, 'rollback changed the current version');
  // The oldest version is current: nothing older to roll back to, so no button.
  await page.goto(`http://127.0.0.1:${svc.httpPort}/models`);
  assert.equal(await page.locator('button[data-post="/api/models/rollback"]').count(), 0, 'a rollback button with nothing to roll back to');
  assert.deepEqual(pageErrors, []);
});

test('with a password: the UI asks for a login, refuses a wrong one, and the session cookie is HttpOnly; config check refuses a public UI without one', { skip: skipWithoutShared() || skipWithoutChromium(), timeout: 120_000 }, async (t) => {
  const publicUi = await runCli(['config', 'check', '--config', writeConfig({ http: { host: '0.0.0.0' } })]);
  assert.equal(publicUi.code, 2, publicUi.stdout + publicUi.stderr);
  assert.match(publicUi.stderr, /http\.host.*0\.0\.0\.0 is reachable beyond this machine.*passwordHash/);

  const hashed = await runCli(['config', 'hash-password'], { input: 'open sesame\n' });
  assert.equal(hashed.code, 0, hashed.stderr);
  const svc = await startService({ brokerUrl: broker.url, config: { http: { host: '127.0.0.1', passwordHash: hashed.stdout.trim() } } });
  t.after(() => svc.stop());
  await svc.waitForRunning();
  const browser = await launchChromium();
  t.after(() => browser.close());
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${svc.httpPort}/samples`);
  assert.match(page.url(), /\/login$/, 'sent to the login page');
  const unauthorised = await fetch(`http://127.0.0.1:${svc.httpPort}/api/samples`);
  assert.equal(unauthorised.status, 401, 'the API wants a session too');
  await page.locator('input[name="password"]').fill('wrong');
  await page.locator('form button').click();
  await page.locator('text=wrong password').waitFor({ timeout: 10_000 });
  await page.locator('input[name="password"]').fill('open sesame');
  await page.locator('form button').click();
  await page.waitForURL(`http://127.0.0.1:${svc.httpPort}/`, { timeout: 10_000 });
  await page.goto(`http://127.0.0.1:${svc.httpPort}/samples`);
  assert.match(page.url(), /\/samples$/, 'logged in');
  assert.equal(await page.evaluate(() => (globalThis as unknown as { document: { cookie: string } }).document.cookie), '', 'the session cookie is not readable by scripts');
  const cookies = await page.context().cookies();
  assert.deepEqual(cookies.map((c) => [c.name, c.httpOnly, c.sameSite]), [['cw_session', true, 'Strict']]);
});
