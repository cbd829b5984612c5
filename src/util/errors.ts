/**
 * The catalogue of coded errors. Each code has one meaning and a message that tells the user what to do; the CLI
 * prints `error E_CODE: message` and maps usage/config errors to exit code 2, everything else to 1.
 */
export const ERROR_CODES = {
  E_USAGE: 'bad command-line usage',
  E_CONFIG_NOT_FOUND: 'config file not found',
  E_CONFIG_PARSE: 'config file is not valid YAML',
  E_CONFIG_INVALID: 'config file does not match the schema',
  E_FFMPEG_MISSING: 'ffmpeg not found',
  E_MODEL_MISSING: 'model not found',
  E_MODEL_INVALID: 'model files are damaged',
  E_MODEL_UNKNOWN: 'unknown model name',
  E_PULL_MIRROR_MISSING: 'model file missing from mirror',
  E_PULL_CHECKSUM: 'model checksum mismatch',
  E_PULL_NETWORK: 'model download failed',
  E_BROKER_INSECURE: 'embedded broker would be reachable without credentials',
  E_IMAGE_DECODE: 'image could not be decoded',
  E_TRAIN_DATA: 'not enough training data',
  E_STORE: 'sample store error',
  E_NOT_FOUND: 'no such item',
  E_HTTP_INSECURE: 'web UI would be reachable beyond this machine without a password',
  E_STAGE_FAILED: 'a critical service stage failed to start',
  E_REPLAY_CLIP: 'a clip could not be replayed',
  E_REPLAY_LABELS: 'the replay labels file is not valid',
  E_TRITON_UNAVAILABLE: 'the Triton / KServe v2 inference server did not answer',
  E_TRITON_PROTOCOL: 'the Triton / KServe v2 inference server answered something catwatch cannot use',
  E_TRITON_MODEL_MISMATCH: 'the model on the inference server is not the export of the local backbone',
  E_FLEET_SIGNATURE: 'a fleet model pointer is malformed or its signature does not verify',
  E_FLEET_STALE: 'a fleet model pointer is older than the one this node already follows (a replay)',
  E_FLEET_BACKBONE: 'a fleet model was trained on another backbone than the one this node runs',
  E_FLEET_S3: 'the fleet S3 bucket refused a request or could not be reached',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Exit codes of the CLI: 0 ok, 1 runtime failure, 2 usage or configuration error. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

const USAGE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'E_USAGE', 'E_CONFIG_NOT_FOUND', 'E_CONFIG_PARSE', 'E_CONFIG_INVALID', 'E_MODEL_UNKNOWN', 'E_BROKER_INSECURE', 'E_HTTP_INSECURE',
]);

export class CatwatchError extends Error {
  readonly code: ErrorCode;
  /** Extra lines shown under the message (e.g. one per bad config key). */
  readonly details: readonly string[];

  constructor(code: ErrorCode, message: string, options: { details?: readonly string[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CatwatchError';
    this.code = code;
    this.details = options.details ?? [];
  }

  get exitCode(): number {
    return USAGE_CODES.has(this.code) ? EXIT_USAGE : EXIT_FAILURE;
  }
}

export function isCatwatchError(err: unknown, code?: ErrorCode): err is CatwatchError {
  return err instanceof CatwatchError && (code === undefined || err.code === code);
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
