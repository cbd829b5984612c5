/**
 * The fleet's shared bucket: a thin wrapper over @aws-sdk/client-s3 with path-style requests against any
 * S3-compatible endpoint. Keys are always under the configured prefix. Failures become E_FLEET_S3 naming the key.
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
  get(key: string): Promise<Buffer>;
  /** Every key under `prefix` (all pages). */
  list(prefix: string): Promise<string[]>;
  /** The object's path-style URL (for a public-read bucket or a proxy); nodes fetch models from it. */
  objectUrl(key: string): string;
  close(): void;
}

function s3Error(action: string, key: string, err: unknown): CatwatchError {
  const status = err instanceof S3ServiceException ? ` (HTTP ${err.$metadata.httpStatusCode ?? '?'} ${err.name})` : '';
  return new CatwatchError('E_FLEET_S3', `S3 ${action} of ${key} failed${status}: ${(err as Error).message}; check fleet.s3 (endpoint, bucket, credentials)`, { cause: err });
}

export function createFleetBucket(config: FleetS3Config): FleetBucket {
  const client = new S3Client({
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
        await client.send(new HeadObjectCommand({ Bucket, Key: key }));
        return true;
      } catch (err) {
        if (err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404) return false;
        throw s3Error('HEAD', key, err);
      }
    },
    async put(key, body, contentType) {
      try {
        await client.send(new PutObjectCommand({ Bucket, Key: key, Body: body, ContentType: contentType }));
      } catch (err) {
        throw s3Error('PUT', key, err);
      }
    },
    async get(key) {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket, Key: key }));
        if (!out.Body) throw new Error('empty body');
        return Buffer.from(await out.Body.transformToByteArray());
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
          out = await client.send(new ListObjectsV2Command({ Bucket, Prefix: listPrefix, ContinuationToken: token }));
        } catch (err) {
          throw s3Error('LIST', listPrefix, err);
        }
        for (const o of out.Contents ?? []) if (o.Key) keys.push(o.Key);
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token);
      return keys;
    },
    objectUrl: (key) => `${config.endpoint.replace(/\/+$/, '')}/${Bucket}/${key.split('/').map(encodeURIComponent).join('/')}`,
    close: () => client.destroy(),
  };
}
