/**
 * Secrets out of the config file: any string value may hold `${env:NAME}` (an environment variable),
 * `${file:/abs/path}` (a file's content, one trailing newline dropped) or `${credential:NAME}` (a systemd credential:
 * `LoadCredential=NAME:/etc/catwatch/secrets/NAME` in the unit, read from $CREDENTIALS_DIRECTORY). The config file can
 * then be world-readable (the dynamic service user must read it) while the passwords live in root-only files.
 *
 * A value that is exactly one reference becomes the secret as it is (a whole URL, a password). A reference inside a
 * URL (`rtsp://viewer:${env:YARD_PASSWORD}@cam/...`) is percent-encoded, so a password with `@`, `/` or `:` cannot
 * break the URL. Errors name the key and the reference, never a value.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { CatwatchError } from '../util/errors.js';

const REF = /\$\{(env|file|credential):([^}]*)\}/g;
const MAX_SECRET_BYTES = 64 * 1024;

/** A deep copy of `raw` with every reference in its strings resolved. */
export function resolveSecretRefs(raw: unknown, env: NodeJS.ProcessEnv, source: string): unknown {
  const walk = (value: unknown, path: string): unknown => {
    if (typeof value === 'string') return value.includes('${') ? resolveString(value, path, env, source) : value;
    if (Array.isArray(value)) return value.map((v, i) => walk(v, `${path}[${i}]`));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, path ? `${path}.${k}` : k)]));
    }
    return value;
  };
  return walk(raw, '');
}

function resolveString(value: string, path: string, env: NodeJS.ProcessEnv, source: string): string {
  const whole = /^\$\{(env|file|credential):([^}]*)\}$/.exec(value);
  if (whole) return secret(whole[1], whole[2], path, env, source);
  const inUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(value);
  return value.replace(REF, (_, kind: string, name: string) => {
    const resolved = secret(kind, name, path, env, source);
    return inUrl ? encodeURIComponent(resolved) : resolved;
  });
}

function secret(kind: string, name: string, path: string, env: NodeJS.ProcessEnv, source: string): string {
  const fail = (why: string): never => {
    throw new CatwatchError('E_CONFIG_INVALID', `${source}: ${path}: \${${kind}:${name}} ${why}`);
  };
  if (kind === 'env') {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) fail('is not a valid environment variable name');
    const v = env[name];
    return v === undefined || v === '' ? fail('is not set in the environment') : v;
  }
  let file = name;
  if (kind === 'credential') {
    if (!/^[A-Za-z0-9_.-]+$/.test(name) || name.startsWith('.')) fail('is not a valid credential name');
    const dir = env.CREDENTIALS_DIRECTORY;
    if (!dir) fail('needs $CREDENTIALS_DIRECTORY: run under systemd with LoadCredential=');
    file = join(dir as string, name);
  } else if (!isAbsolute(name)) {
    fail('must name an absolute path');
  }
  return readSecretFile(file, fail);
}

/**
 * Reads a secret file of at most MAX_SECRET_BYTES. Opened without blocking and checked to be a regular file on the
 * open descriptor, then read with a bound: a FIFO or a device (`/dev/zero`) is refused instead of hanging or
 * reading without end (a stat size says nothing about them).
 */
function readSecretFile(file: string, fail: (why: string) => never): string {
  let text: string;
  let fd: number | undefined;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
    if (!fstatSync(fd).isFile()) fail('is not a regular file');
    const buffer = Buffer.alloc(MAX_SECRET_BYTES + 1);
    let length = 0;
    for (let n = 1; n > 0 && length < buffer.length; length += n) n = readSync(fd, buffer, length, buffer.length - length, null);
    if (length > MAX_SECRET_BYTES) fail(`is over ${MAX_SECRET_BYTES} bytes`);
    text = buffer.subarray(0, length).toString('utf8');
  } catch (err) {
    if (err instanceof CatwatchError) throw err;
    return fail(`cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  const value = text.replace(/\r?\n$/, '');
  return value === '' ? fail('is empty') : value;
}
