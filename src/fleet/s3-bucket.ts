/**
 * The fleet's shared bucket: a thin wrapper over @aws-sdk/client-s3 with path-style requests against any
 * S3-compatible endpoint. Keys are always under the configured prefix. Failures become E_FLEET_S3 naming the key.
 * Bounded in time and size: a connection timeout and a per-request inactivity timeout, every request aborted by
 * close() (so a stalled endpoint cannot hold a stopping service), and `get` refuses an object over its limit before
 * and while reading it, never holding more than the limit in memory.
 */
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { CatwatchError } from '../util/errors.js';
import type { Config } from '../config/schema.js';

export type FleetS3Config = NonNullable<Config['fleet']>['s3'];

export interface FleetBucket {
  /** `<prefix>/<rest>`. */
  key(rest: string): string;
  exists(key: string): Promise<boolean>;
  put(key: string, body: Buffer | string, contentType: string): Promise<void>;
  /** The object, at most `maxBytes` long (over it: E_FLEET_S3 before or while reading). */
  get(key: string, maxBytes: number): Promise<Buffer>;
  /** Every key under `prefix` (all pages). */
  list(prefix: string): Promise<string[]>;
  /** Aborts every request in flight and releases the client. */
  close(): void;
}

function s3Error(action: string, key: string, err: unknown): CatwatchError {
  const status = err instanceof S3ServiceException ? ` (HTTP ${err.$metadata.httpStatusCode ?? '?'} ${err.name})` : '';
  return new CatwatchError('E_FLEET_S3', `S3 ${action} of ${key} failed${status}: ${(err as Error).message}; check fleet.s3 (endpoint, bucket, credentials)`, { cause: err });
}

export interface FleetBucketOptions {
  /** A request with no progress for this long fails (a stalled endpoint). */
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
}

/** Reads a body stream, failing as soon as it grows over `maxBytes`. */
async function readBounded(body: AsyncIterable<Uint8Array>, maxBytes: number, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of body) {
    length += chunk.length;
    if (length > maxBytes) throw new Error(`${key} is over ${maxBytes} bytes`);
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks, length);
}

export function createFleetBucket(config: FleetS3Config, options: FleetBucketOptions = {}): FleetBucket {
  const aborter = new AbortController();
  const signal = { abortSignal: aborter.signal };
  const client = new S3Client({
    requestHandler: { connectionTimeout: options.connectTimeoutMs ?? 5000, requestTimeout: options.requestTimeoutMs ?? 30_000, throwOnRequestTimeout: true },
    endpoint: config.endpoint,
    region: config.region,
    forcePathStyle: true,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    // Plain MD5-free PUTs: S3-compatible servers that predate flexible checksums accept them.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const Bucket = config.bucket;
  const prefix = config.prefix.replace(/^\/+|\/+$/g, '');
  return {
    key: (rest) => (prefix === '' ? rest : `${prefix}/${rest}`),
    async exists(key) {
      try {
        await client.send(new HeadObjectCommand({ Bucket, Key: key }), signal);
        return true;
      } catch (err) {
        if (err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404) return false;
        throw s3Error('HEAD', key, err);
      }
    },
    async put(key, body, contentType) {
      try {
        await client.send(new PutObjectCommand({ Bucket, Key: key, Body: body, ContentType: contentType }), signal);
      } catch (err) {
        throw s3Error('PUT', key, err);
      }
    },
    async get(key, maxBytes) {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket, Key: key }), signal);
        if (!out.Body) throw new Error('empty body');
        if ((out.ContentLength ?? 0) > maxBytes) {
          await out.Body.transformToWebStream().cancel();
          throw new Error(`${key} is ${out.ContentLength} bytes, over ${maxBytes}`);
        }
        return await readBounded(out.Body as AsyncIterable<Uint8Array>, maxBytes, key);
      } catch (err) {
        throw s3Error('GET', key, err);
      }
    },
    async list(listPrefix) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        let out;
        try {
          out = await client.send(new ListObjectsV2Command({ Bucket, Prefix: listPrefix, ContinuationToken: token }), signal);
        } catch (err) {
          throw s3Error('LIST', listPrefix, err);
        }
        for (const o of out.Contents ?? []) if (o.Key) keys.push(o.Key);
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token);
      return keys;
    },
    close: () => {
      aborter.abort();
      client.destroy();
    },
  };
}
