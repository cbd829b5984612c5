/**
 * A small S3-compatible server for tests (no Debian package ships one: minio, s3rver and ceph-radosgw are not in the
 * archive here): path-style PUT, GET and HEAD of objects and ListObjectsV2 with prefix and continuation tokens, in
 * memory, on 127.0.0.1 and a free port. Requests must carry a SigV4 Authorization header with the expected access
 * key id (the signature itself is not checked). `requests` records what was asked, for idempotency assertions.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';

export interface FakeS3 {
  endpoint: string;
  bucket: string;
  objects: Map<string, Buffer>;
  requests: Array<{ method: string; key: string }>;
  /** While true every request is refused with 403 AccessDenied (a revoked key, a broken proxy). */
  refuseAll: boolean;
  /** While true, objects can be read without credentials (a public-read bucket): GET of a plain URL works. */
  publicRead: boolean;
  close(): Promise<void>;
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function sendError(res: ServerResponse, status: number, code: string, head: boolean): void {
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(head ? undefined : `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`);
}

function listXml(bucket: string, keys: string[], objects: Map<string, Buffer>, prefix: string, truncated: boolean, next: string | undefined): string {
  const contents = keys.map((k) => `<Contents><Key>${xmlEscape(k)}</Key><Size>${objects.get(k)?.length ?? 0}</Size><ETag>"${createHash('md5').update(objects.get(k) ?? Buffer.alloc(0)).digest('hex')}"</ETag><StorageClass>STANDARD</StorageClass></Contents>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${bucket}</Name><Prefix>${xmlEscape(prefix)}</Prefix><KeyCount>${keys.length}</KeyCount><MaxKeys>${keys.length}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${next ? `<NextContinuationToken>${xmlEscape(next)}</NextContinuationToken>` : ''}${contents}</ListBucketResult>`;
}

export async function startFakeS3(options: { bucket: string; accessKeyId: string; pageSize?: number }): Promise<FakeS3> {
  const objects = new Map<string, Buffer>();
  const requests: FakeS3['requests'] = [];
  const pageSize = options.pageSize ?? 1000;
  const fake: FakeS3 = { endpoint: '', bucket: options.bucket, objects, requests, refuseAll: false, publicRead: false, close: () => Promise.resolve() };

  function handle(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const [, bucket = '', ...rest] = url.pathname.split('/');
    const key = rest.map(decodeURIComponent).join('/');
    const head = req.method === 'HEAD';
    requests.push({ method: req.method ?? '?', key });
    const anonymousRead = fake.publicRead && (req.method === 'GET' || head) && key !== '';
    if (fake.refuseAll || (!anonymousRead && !(req.headers.authorization ?? '').includes(`Credential=${options.accessKeyId}/`))) return sendError(res, 403, 'AccessDenied', head);
    if (bucket !== options.bucket) return sendError(res, 404, 'NoSuchBucket', head);
    if (req.method === 'GET' && key === '' && url.searchParams.get('list-type') === '2') {
      const prefix = url.searchParams.get('prefix') ?? '';
      const after = url.searchParams.get('continuation-token') ?? '';
      const all = [...objects.keys()].filter((k) => k.startsWith(prefix) && k > after).sort();
      const page = all.slice(0, pageSize);
      res.writeHead(200, { 'content-type': 'application/xml' });
      return void res.end(listXml(bucket, page, objects, prefix, all.length > pageSize, all.length > pageSize ? page[page.length - 1] : undefined));
    }
    if (key === '') return sendError(res, 400, 'InvalidRequest', head);
    if (req.method === 'PUT') {
      if (/aws-chunked/.test(String(req.headers['content-encoding'] ?? ''))) return sendError(res, 501, 'NotImplemented', head);
      objects.set(key, body);
      res.writeHead(200, { etag: `"${createHash('md5').update(body).digest('hex')}"` });
      return void res.end();
    }
    const object = objects.get(key);
    if (req.method !== 'GET' && !head) return sendError(res, 405, 'MethodNotAllowed', head);
    if (!object) return sendError(res, 404, 'NoSuchKey', head);
    res.writeHead(200, { 'content-length': object.length, 'content-type': 'application/octet-stream', etag: `"${createHash('md5').update(object).digest('hex')}"` });
    res.end(head ? undefined : object);
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  fake.endpoint = `http://127.0.0.1:${port}`;
  fake.close = () => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return fake;
}
