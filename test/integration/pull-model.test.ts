import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PULL_ERROR_CODES, pullModel } from '../../src/registry/pull-model.js';
import { findCatalogModel, installedModelPath } from '../../src/model/model-catalog.js';
import { isCatwatchError } from '../../src/util/errors.js';
import { silentLogger } from '../../src/util/log.js';
import { modelsMirrorDir } from '../helpers/paths.js';

const NAME = 'mobilenetv2-12-int8';
const mirrorFile = join(modelsMirrorDir, `${NAME}.onnx`);
const skip = existsSync(mirrorFile) ? false : `shared model mirror not found at ${mirrorFile} (set CATWATCH_SHARED_DIR)`;
const log = silentLogger();
const expected = findCatalogModel(NAME);

async function sha256(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

/** A static file server that honours `Range: bytes=N-` (unless told not to) and redirects /redirect/* to /files/*. */
function startMirrorServer(file: string, options: { honourRange: boolean; padBytes?: number }) {
  const requests: { url: string; range: string | undefined; status: number; bytes: number }[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const url = req.url ?? '/';
    const range = req.headers.range;
    if (url.startsWith('/redirect/')) {
      requests.push({ url, range, status: 302, bytes: 0 });
      res.writeHead(302, { location: url.replace('/redirect/', '/files/') }).end();
      return;
    }
    if (url !== `/files/${NAME}.onnx`) {
      requests.push({ url, range, status: 404, bytes: 0 });
      res.writeHead(404).end();
      return;
    }
    readFile(file).then((original) => {
      const data = Buffer.concat([original, Buffer.alloc(options.padBytes ?? 0)]);
      const start = options.honourRange && range ? Number(/^bytes=(\d+)-$/.exec(range)?.[1] ?? 0) : 0;
      const body = data.subarray(start);
      const status = start > 0 ? 206 : 200;
      requests.push({ url, range, status, bytes: body.length });
      res.writeHead(status, {
        'content-length': body.length,
        ...(status === 206 ? { 'content-range': `bytes ${start}-${data.length - 1}/${data.length}` } : {}),
      });
      res.end(body);
    }, (err: Error) => res.writeHead(500).end(err.message));
  });
  return new Promise<{ baseUrl: string; requests: typeof requests; close: () => Promise<void> }>((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        baseUrl: `http://127.0.0.1:${port}`,
        requests,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}

describe('pullModel', { skip }, () => {
  let work: string;
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'catwatch-pull-'));
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
  });

  test('installs from a mirror folder, then is a no-op', async () => {
    const dataDir = join(work, 'mirror-ok');
    const progress: number[] = [];
    const first = await pullModel({ name: NAME, dataDir, from: modelsMirrorDir, log, onProgress: (p) => progress.push(p.receivedBytes) });
    const path = installedModelPath(dataDir, NAME);
    assert.equal(first.changed, true);
    assert.equal(first.path, path);
    assert.equal(await sha256(path), expected?.sha256);
    assert.equal(progress.at(-1), expected?.sizeBytes);
    const mtimeMs = (await stat(path)).mtimeMs;

    const second = await pullModel({ name: NAME, dataDir, from: modelsMirrorDir, log });
    assert.equal(second.changed, false);
    assert.equal((await stat(path)).mtimeMs, mtimeMs);
    assert.deepEqual(await readdir(join(dataDir, 'backbones')), [`${NAME}.onnx`]);
  });

  test('rejects an unknown model name and lists the known ones', async () => {
    await assert.rejects(pullModel({ name: 'resnet-9000', dataDir: join(work, 'unknown'), from: modelsMirrorDir, log }), (err) => {
      assert.ok(isCatwatchError(err, PULL_ERROR_CODES.unknownModel));
      assert.match(err.message, /resnet-9000/);
      assert.match(err.message, new RegExp(NAME));
      return true;
    });
  });

  test('says which file a mirror folder lacks', async () => {
    const emptyMirror = join(work, 'empty-mirror');
    await mkdir(emptyMirror);
    await assert.rejects(pullModel({ name: NAME, dataDir: join(work, 'missing'), from: emptyMirror, log }), (err) => {
      assert.ok(isCatwatchError(err, PULL_ERROR_CODES.mirrorMissing));
      assert.match(err.message, new RegExp(`${NAME}\\.onnx`));
      return true;
    });
  });

  test('rejects a corrupted mirror file and installs nothing', async () => {
    const badMirror = join(work, 'bad-mirror');
    await mkdir(badMirror);
    const data = await readFile(mirrorFile);
    for (const at of [1000, data.length >> 1, data.length - 10]) data[at] ^= 0xff;
    await writeFile(join(badMirror, `${NAME}.onnx`), data);
    const dataDir = join(work, 'corrupt');
    await assert.rejects(pullModel({ name: NAME, dataDir, from: badMirror, log }), (err) => {
      assert.ok(isCatwatchError(err, PULL_ERROR_CODES.checksum));
      assert.match(err.message, new RegExp(`expected sha256 ${expected?.sha256}`));
      assert.match(err.message, new RegExp(`got ${createHash('sha256').update(data).digest('hex')}`));
      return true;
    });
    assert.deepEqual(await readdir(join(dataDir, 'backbones')), []);
  });

  test('resumes a partial download with a Range request, through a redirect', async (t) => {
    const server = await startMirrorServer(mirrorFile, { honourRange: true });
    t.after(server.close);
    const dataDir = join(work, 'resume');
    const path = installedModelPath(dataDir, NAME);
    const head = (await readFile(mirrorFile)).subarray(0, 1_000_000);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(`${path}.partial`, head);

    const result = await pullModel({ name: NAME, dataDir, from: `${server.baseUrl}/redirect/`, log });
    assert.equal(result.changed, true);
    assert.equal(await sha256(path), expected?.sha256);
    assert.equal(existsSync(`${path}.partial`), false);
    assert.deepEqual(server.requests, [
      { url: `/redirect/${NAME}.onnx`, range: 'bytes=1000000-', status: 302, bytes: 0 },
      { url: `/files/${NAME}.onnx`, range: 'bytes=1000000-', status: 206, bytes: (expected?.sizeBytes ?? 0) - 1_000_000 },
    ]);
  });

  test('starts over when the server ignores Range', async (t) => {
    const server = await startMirrorServer(mirrorFile, { honourRange: false });
    t.after(server.close);
    const dataDir = join(work, 'no-range');
    const path = installedModelPath(dataDir, NAME);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(`${path}.partial`, Buffer.alloc(500_000, 7));

    await pullModel({ name: NAME, dataDir, from: `${server.baseUrl}/files/${NAME}.onnx`, log });
    assert.equal(await sha256(path), expected?.sha256);
    assert.equal(server.requests.length, 1);
    assert.equal(server.requests[0].status, 200);
  });

  test('stops and deletes a download larger than the catalogued file', async (t) => {
    const server = await startMirrorServer(mirrorFile, { honourRange: true, padBytes: 1_000_000 });
    t.after(server.close);
    const dataDir = join(work, 'oversize');
    await assert.rejects(pullModel({ name: NAME, dataDir, from: `${server.baseUrl}/files/`, log }), (err) => {
      assert.ok(isCatwatchError(err, PULL_ERROR_CODES.checksum));
      assert.match(err.message, new RegExp(`${expected?.sizeBytes} bytes`));
      return true;
    });
    assert.deepEqual(await readdir(join(dataDir, 'backbones')), []);
  });

  test('a network failure keeps the partial and points to --from', async () => {
    const server = await startMirrorServer(mirrorFile, { honourRange: true });
    const deadUrl = `${server.baseUrl}/files/${NAME}.onnx`;
    await server.close();
    const dataDir = join(work, 'offline');
    const path = installedModelPath(dataDir, NAME);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(`${path}.partial`, (await readFile(mirrorFile)).subarray(0, 123));

    await assert.rejects(pullModel({ name: NAME, dataDir, from: deadUrl, log }), (err) => {
      assert.ok(isCatwatchError(err, PULL_ERROR_CODES.network));
      assert.match(err.message, /--from/);
      return true;
    });
    assert.equal((await stat(`${path}.partial`)).size, 123);
    assert.equal(existsSync(path), false);
  });

  test('a server that stops sending (headers or body) is given up after the stall timeout; the partial is kept', async (t) => {
    const original = await readFile(mirrorFile);
    // One server answers headers and 4096 bytes, then sends nothing; a second one never even answers.
    const hangs: Server[] = [
      createServer((_req, res) => {
        res.writeHead(200, { 'content-length': original.length });
        res.write(original.subarray(0, 4096));
      }),
      createServer(() => undefined),
    ];
    for (const server of hangs) {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      t.after(() => new Promise<void>((done) => (server.closeAllConnections(), server.close(() => done()))));
    }
    for (const [i, server] of hangs.entries()) {
      const dataDir = join(work, `stalled-${i}`);
      const from = `http://127.0.0.1:${(server.address() as AddressInfo).port}/files/${NAME}.onnx`;
      const started = Date.now();
      await assert.rejects(pullModel({ name: NAME, dataDir, from, log, stallTimeoutMs: 500 }), (err) => {
        assert.ok(isCatwatchError(err, PULL_ERROR_CODES.network), String(err));
        assert.match(err.message, /no data for 0\.5 s/);
        return true;
      });
      assert.ok(Date.now() - started < 20_000, 'given up, not hung');
      const partial = `${installedModelPath(dataDir, NAME)}.partial`;
      if (i === 0) assert.equal((await stat(partial)).size, 4096, 'the bytes that came are kept for the resume');
      assert.equal(existsSync(installedModelPath(dataDir, NAME)), false);
    }
  });
});
