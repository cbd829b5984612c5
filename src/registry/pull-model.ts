/**
 * `catwatch models pull`: installs a catalogue model into `<dataDir>/backbones/<name>.onnx`, from its public URL, from
 * another http(s) mirror, or from a local mirror folder (machines without internet). Downloads resume from
 * `<file>.partial` with an HTTP Range request; nothing reaches the final path before its sha256 matches the
 * catalogue, and it gets there by an fsynced atomic rename, so a crash never leaves a half-written model in place.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { CatwatchError, errorMessage, type ErrorCode } from '../util/errors.js';
import { fsyncDir } from './atomic-write.js';
import { redactUrl, type Logger } from '../util/log.js';
import { catalogModelNames, findCatalogModel, installedModelPath, type CatalogModel } from '../model/model-catalog.js';

/** The errors `pullModel` throws (as `CatwatchError.code`). */
export const PULL_ERROR_CODES = {
  unknownModel: 'E_MODEL_UNKNOWN',
  mirrorMissing: 'E_PULL_MIRROR_MISSING',
  checksum: 'E_PULL_CHECKSUM',
  network: 'E_PULL_NETWORK',
  badSource: 'E_USAGE',
} as const satisfies Record<string, ErrorCode>;

export interface PullProgress {
  readonly receivedBytes: number;
  readonly totalBytes: number;
}

export interface PullModelOptions {
  readonly name: string;
  readonly dataDir: string;
  /**
   * A mirror: a folder holding `<name>.onnx`, or an http(s) URL — of the file itself when it ends in `.onnx`, else of
   * a folder holding `<name>.onnx`. Default: the catalogue's public URL.
   */
  readonly from?: string;
  readonly log: Logger;
  readonly onProgress?: (progress: PullProgress) => void;
  /** A download that receives nothing for this long (headers or body) is abandoned; its partial file is kept. */
  readonly stallTimeoutMs?: number;
}

/** A server that accepts the connection and then sends nothing must not hang a pull (or a service start) forever. */
export const PULL_STALL_TIMEOUT_MS = 30_000;

export interface PullModelResult {
  readonly name: string;
  readonly path: string;
  readonly sha256: string;
  readonly sizeBytes: number;
  /** False when the model was already installed and intact. */
  readonly changed: boolean;
}

export async function pullModel(options: PullModelOptions): Promise<PullModelResult> {
  const { name, dataDir, from, log } = options;
  const model = findCatalogModel(name);
  if (!model) {
    throw new CatwatchError(PULL_ERROR_CODES.unknownModel, `unknown model "${name}"; known models: ${catalogModelNames().join(', ')}`);
  }
  const path = installedModelPath(dataDir, name);
  const result = { name, path, sha256: model.sha256, sizeBytes: model.sizeBytes };
  const installedSha256 = await sha256OfFile(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (installedSha256 === model.sha256) {
    log.info({ model: name, path }, 'model already installed');
    return { ...result, changed: false };
  }
  if (installedSha256 !== undefined) log.warn({ model: name, path }, 'installed model fails its checksum, pulling again');

  await mkdir(dirname(path), { recursive: true });
  const partial = `${path}.partial`;
  const mirrorDir = from !== undefined && !/^https?:\/\//i.test(from) ? from : undefined;
  const source = mirrorDir === undefined ? fileUrl(model, from) : join(mirrorDir, `${name}.onnx`);
  log.info({ model: name, source: redactUrl(source), path }, 'pulling model');
  try {
    if (mirrorDir === undefined) await download(source, partial, model, options);
    else await copyFromMirror(source, mirrorDir, partial, model, options);
  } catch (err) {
    // A download that ran past the catalogue size is not the catalogued file: resuming from it would never succeed.
    if (err instanceof CatwatchError && err.code === PULL_ERROR_CODES.checksum) await rm(partial, { force: true });
    throw err;
  }

  const actual = await sha256OfFile(partial);
  if (actual !== model.sha256) {
    await rm(partial, { force: true });
    throw new CatwatchError(PULL_ERROR_CODES.checksum,
      `checksum mismatch for ${name} from ${redactUrl(source)}: expected sha256 ${model.sha256}, got ${actual}; `
      + 'the file was deleted and nothing was installed — check the mirror copy, or pull again');
  }
  await commitFile(partial, path);
  log.info({ model: name, path, sizeBytes: model.sizeBytes }, 'model installed');
  return { ...result, changed: true };
}

/** A file that is not in the catalogue but whose sha256 is known (e.g. from a signed fleet model pointer). */
export interface PullFileOptions {
  /** An http(s) URL, or a local file path (a mirror, a test). */
  readonly source: string;
  readonly path: string;
  readonly sha256: string;
  /** Downloads past this size are stopped (a wrong URL must not fill the disk). */
  readonly maxBytes: number;
  readonly log: Logger;
  /** As PullModelOptions.stallTimeoutMs. */
  readonly stallTimeoutMs?: number;
}

/**
 * The same guarantees as `pullModel` for any file: downloaded (or copied) to `<path>.partial`, sha256-checked, then
 * fsynced and renamed into place; on a mismatch the partial file is deleted and nothing is installed.
 */
export async function pullVerifiedFile(options: PullFileOptions): Promise<{ path: string; sizeBytes: number }> {
  const { source, path, sha256, maxBytes } = options;
  const spec: FileSpec = { name: basename(path), sizeBytes: maxBytes, url: source, offlineHint: 'check the URL and the network' };
  await mkdir(dirname(path), { recursive: true });
  const partial = `${path}.partial`;
  await rm(partial, { force: true });
  try {
    if (/^https?:\/\//i.test(source)) {
      const stall = stallWatch(options.stallTimeoutMs ?? PULL_STALL_TIMEOUT_MS);
      try {
        const { body } = await request(source, 0, spec, stall.signal);
        await pipeline(Readable.fromWeb(body as WebReadableStream<Uint8Array>), progressCounter(0, maxBytes, spec, { onProgress: stall.poke }), createWriteStream(partial))
          .catch((err: unknown) => {
            throw err instanceof CatwatchError ? err : networkError(source, spec, stall.signal.aborted ? stall.signal.reason : err);
          });
      } finally {
        stall.stop();
      }
    } else {
      await pipeline(createReadStream(source), progressCounter(0, maxBytes, spec, {}), createWriteStream(partial));
    }
    const actual = await sha256OfFile(partial);
    if (actual !== sha256) {
      throw new CatwatchError(PULL_ERROR_CODES.checksum,
        `checksum mismatch for ${spec.name} from ${redactUrl(source)}: expected sha256 ${sha256}, got ${actual}; the file was deleted and nothing was installed`);
    }
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
  const { size } = await stat(partial);
  await commitFile(partial, path);
  return { path, sizeBytes: size };
}

/** What a download needs to know of its file; `offlineHint` ends a network error (default: the catalogue's --from advice). */
type FileSpec = Pick<CatalogModel, 'name' | 'sizeBytes' | 'url'> & { offlineHint?: string };

function fileUrl(model: CatalogModel, from: string | undefined): string {
  if (from === undefined) return model.url;
  let pathname: string;
  try {
    pathname = new URL(from).pathname;
  } catch (err) {
    throw new CatwatchError(PULL_ERROR_CODES.badSource, `--from ${redactUrl(from)} is neither a folder nor a valid URL`, { cause: err });
  }
  return /\.onnx$/i.test(pathname) ? from : `${from.replace(/\/+$/, '')}/${model.name}.onnx`;
}

async function copyFromMirror(source: string, mirrorDir: string, partial: string, model: CatalogModel, options: PullModelOptions): Promise<void> {
  try {
    await stat(source);
  } catch (err) {
    throw new CatwatchError(PULL_ERROR_CODES.mirrorMissing,
      `mirror folder ${mirrorDir} has no ${model.name}.onnx (${errorMessage(err)}); copy the file there `
      + `(it is ${model.url}) or pull without --from to download it`, { cause: err });
  }
  // No size cap here: a local file of the wrong size is reported by the checksum, with both digests.
  await pipeline(createReadStream(source), progressCounter(0, Infinity, model, options), createWriteStream(partial));
}

async function download(url: string, partial: string, model: CatalogModel, options: PullModelOptions): Promise<void> {
  let offset = await stat(partial).then((s) => s.size, () => 0);
  if (offset > model.sizeBytes) {
    await rm(partial, { force: true });
    offset = 0;
  }
  // A complete partial (the last run stopped before its checksum) only needs checking.
  if (offset === model.sizeBytes) return;
  if (offset > 0) options.log.info({ model: model.name, offset }, 'resuming download');
  const stall = stallWatch(options.stallTimeoutMs ?? PULL_STALL_TIMEOUT_MS);
  try {
    const { body, start } = await request(url, offset, model, stall.signal);
    await pipeline(
      Readable.fromWeb(body as WebReadableStream<Uint8Array>),
      progressCounter(start, model.sizeBytes, model, { onProgress: (p) => (stall.poke(), options.onProgress?.(p)) }),
      createWriteStream(partial, { flags: start > 0 ? 'a' : 'w' }),
    );
  } catch (err) {
    if (err instanceof CatwatchError) throw err;
    throw networkError(url, model, stall.signal.aborted ? stall.signal.reason : err);
  } finally {
    stall.stop();
  }
}

/** An abort signal that fires when `poke` has not been called for `timeoutMs`. */
function stallWatch(timeoutMs: number): { signal: AbortSignal; poke: () => void; stop: () => void } {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const poke = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new Error(`no data for ${timeoutMs / 1000} s`)), timeoutMs);
  };
  poke();
  return { signal: controller.signal, poke, stop: () => clearTimeout(timer) };
}

/** Fetches from `offset` (following redirects); falls back to the whole file when the server cannot resume. */
async function request(url: string, offset: number, model: FileSpec, signal: AbortSignal): Promise<{ body: ReadableStream<Uint8Array>; start: number }> {
  let response: Response;
  try {
    response = await fetch(url, { redirect: 'follow', signal, headers: offset > 0 ? { range: `bytes=${offset}-` } : {} });
  } catch (err) {
    throw networkError(url, model, signal.aborted ? signal.reason : err);
  }
  if (response.status === 200 && response.body) return { body: response.body, start: 0 };
  if (response.status === 206 && response.body) {
    const rangeStart = /^bytes (\d+)-/.exec(response.headers.get('content-range') ?? '')?.[1];
    if (Number(rangeStart) === offset) return { body: response.body, start: offset };
  }
  await response.body?.cancel();
  // The server could not resume where we are (range refused or answered another range): start over once.
  if (offset > 0 && (response.status === 206 || response.status === 416)) return request(url, 0, model, signal);
  throw networkError(url, model, new Error(`HTTP ${response.status} ${response.statusText}`));
}

function networkError(url: string, model: FileSpec, cause: unknown): CatwatchError {
  const reason = cause instanceof Error && cause.cause instanceof Error ? `${errorMessage(cause)}: ${cause.cause.message}` : errorMessage(cause);
  return new CatwatchError(PULL_ERROR_CODES.network,
    `download of ${redactUrl(url)} failed (${redactUrl(reason)}); any partial download is kept and resumes on the next pull. `
    + (model.offlineHint ?? `Without internet, copy ${model.name}.onnx into a folder and use --from <folder>`), { cause });
}

/** Counts bytes for `onProgress`; stops a download past `limitBytes`, so a wrong URL cannot fill the disk. */
function progressCounter(start: number, limitBytes: number, model: FileSpec, options: Pick<PullModelOptions, 'onProgress'>): Transform {
  let received = start;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      if (received > limitBytes) {
        callback(new CatwatchError(PULL_ERROR_CODES.checksum,
          `${model.name} source sent more than the expected ${model.sizeBytes} bytes: it is not the catalogued file`));
        return;
      }
      options.onProgress?.({ receivedBytes: received, totalBytes: model.sizeBytes });
      callback(null, chunk);
    },
  });
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** fsync the file, rename it into place, fsync the folder: the model is either absent or whole after a crash. */
async function commitFile(partial: string, path: string): Promise<void> {
  const file = await open(partial, 'r+');
  try {
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(partial, path);
  fsyncDir(dirname(path));
}
