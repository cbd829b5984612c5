/**
 * The KServe v2 client against scripted node:http servers on loopback: the request it sends, and how it answers
 * servers that are down, slow, wrong or hostile (coded errors naming the server without credentials, bounded reads).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createKserveClient } from '../../src/score/triton/kserve-client.js';
import { isCatwatchError, type ErrorCode } from '../../src/util/errors.js';
import { freePort } from '../helpers/free-port.js';

const servers: Server[] = [];
after(async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function serve(handler: (req: IncomingMessage, body: Buffer, res: ServerResponse) => void): Promise<string> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, Buffer.concat(chunks), res));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function rejectsWith(promise: Promise<unknown>, code: ErrorCode, re: RegExp): Promise<void> {
  await assert.rejects(promise, (err) => {
    assert.ok(isCatwatchError(err, code), `${(err as Error).message} is not ${code}`);
    assert.match(err.message, re);
    assert.doesNotMatch(err.message, /s3cret|alice/, 'no credentials in messages');
    return true;
  });
}

const OUT = [{ name: 'y', shape: [2, 2] }];
const INPUT = { name: 'x', shape: [2, 3], data: Uint8Array.from([1, 2, 3, 4, 5, 6]) };

test('kserve client: sends a binary UINT8 request with basic auth, reads the binary FP32 answer', async () => {
  let seen: { auth?: string; headerLength?: string; header?: unknown; tail?: number[] } = {};
  const base = await serve((req, body, res) => {
    const headerLength = Number(req.headers['inference-header-content-length']);
    seen = { auth: req.headers.authorization, headerLength: String(headerLength), header: JSON.parse(body.subarray(0, headerLength).toString()), tail: [...body.subarray(headerLength)] };
    const y = Buffer.from(Float32Array.from([0.5, -1, 2, 3]).buffer);
    const header = Buffer.from(JSON.stringify({ model_name: 'm', outputs: [{ name: 'y', datatype: 'FP32', shape: [2, 2], parameters: { binary_data_size: y.length } }] }));
    res.writeHead(200, { 'Inference-Header-Content-Length': String(header.length) });
    res.end(Buffer.concat([header, y]));
  });
  const client = createKserveClient({ url: base.replace('http://', 'http://alice:s3cret@'), timeoutMs: 5000 });
  assert.equal(client.displayUrl, base);
  const result = await client.infer('m', '1', INPUT, OUT);
  assert.deepEqual([...result.outputs.y], [0.5, -1, 2, 3]);
  assert.equal(seen.auth, `Basic ${Buffer.from('alice:s3cret').toString('base64')}`);
  assert.deepEqual(seen.header, {
    inputs: [{ name: 'x', shape: [2, 3], datatype: 'UINT8', parameters: { binary_data_size: 6 } }],
    outputs: [{ name: 'y', parameters: { binary_data: true } }],
  });
  assert.deepEqual(seen.tail, [1, 2, 3, 4, 5, 6]);
  assert.equal(result.requestBytes, Number(seen.headerLength) + 6);
});

test('kserve client: down, slow and failing servers are E_TRITON_UNAVAILABLE; 4xx is E_TRITON_PROTOCOL', async () => {
  const closedPort = await freePort();
  const refused = createKserveClient({ url: `http://alice:s3cret@127.0.0.1:${closedPort}`, timeoutMs: 2000 });
  await rejectsWith(refused.serverReady(), 'E_TRITON_UNAVAILABLE', new RegExp(`http://127\\.0\\.0\\.1:${closedPort}: GET /v2/health/ready failed: ECONNREFUSED`));

  const slow = await serve((_req, _body, res) => void setTimeout(() => res.end('{}'), 3000));
  await rejectsWith(createKserveClient({ url: slow, timeoutMs: 200 }).modelConfig('m', '1'), 'E_TRITON_UNAVAILABLE', /GET \/v2\/models\/m\/versions\/1\/config failed: no answer within 200 ms/);

  const status = await serve((req, _body, res) => {
    res.writeHead(req.url?.includes('busy') ? 503 : 400, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ error: 'unexpected inference input x' }));
  });
  const client = createKserveClient({ url: status, timeoutMs: 2000 });
  await rejectsWith(client.modelMetadata('busy', '1'), 'E_TRITON_UNAVAILABLE', /answered HTTP 503: unexpected inference input x/);
  await rejectsWith(client.infer('m', '1', INPUT, OUT), 'E_TRITON_PROTOCOL', /POST \/v2\/models\/m\/versions\/1\/infer answered HTTP 400/);
});

test('kserve client: oversized answers are refused unread; malformed metadata is E_TRITON_PROTOCOL', async () => {
  let streamed = 0;
  const base = await serve((req, _body, res) => {
    if (req.url?.endsWith('/infer') && req.url.includes('declared')) {
      res.writeHead(200, { 'Content-Length': String(64 << 20), 'Inference-Header-Content-Length': '10' });
      res.write(Buffer.alloc(1024)); // then hangs: the client must not wait for 64 MiB
      return;
    }
    if (req.url?.endsWith('/infer')) {
      // Chunked, no length: streams until the client hangs up.
      res.writeHead(200, { 'Inference-Header-Content-Length': '10' });
      const chunk = Buffer.alloc(256 << 10);
      const pump = (): void => {
        while (!res.destroyed && streamed < (256 << 20) && res.write(chunk)) streamed += chunk.length;
        if (!res.destroyed && streamed < (256 << 20)) res.once('drain', pump);
      };
      pump();
      return;
    }
    if (req.url?.endsWith('/config')) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"name": "m", ');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ name: 'm', inputs: [{ name: 'x', datatype: 'UINT8' }], outputs: [] }));
  });
  const client = createKserveClient({ url: base, timeoutMs: 10_000 });
  await rejectsWith(client.infer('declared', '1', INPUT, OUT), 'E_TRITON_PROTOCOL', /sent a body of 67108864 bytes, more than the 1048592 expected/);
  await rejectsWith(client.infer('m', '1', INPUT, OUT), 'E_TRITON_PROTOCOL', /more than the 1048592 expected/);
  assert.ok(streamed < (64 << 20), `the client stopped reading (server wrote ${streamed} bytes)`);
  await rejectsWith(client.modelConfig('m', '1'), 'E_TRITON_PROTOCOL', /answered something that is not JSON/);
  await rejectsWith(client.modelMetadata('m', '1'), 'E_TRITON_PROTOCOL', /model metadata without a valid inputs list/);
});
