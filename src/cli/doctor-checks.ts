/**
 * The checks behind `catwatch doctor`. Each one answers with a status and a one-line detail and never throws: a
 * failure to check is itself the answer. They use the same pieces the service uses (the ffmpeg command line of
 * ingest, the scoring pool and registry, the MQTT client), so "doctor says OK" means "the service will manage".
 */
import { minimalChildEnv } from '../util/child-env.js';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statfsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import mqtt from 'mqtt';
import type { CameraConfig, Config } from '../config/schema.js';
import { buildFfmpegArgs, frameBytes, resolveFfmpegInput } from '../ingest/ffmpeg-args.js';
import { decodeImage } from '../image/decode-image.js';
import { createTargetModel } from '../model/target-model.js';
import { errorMessage } from '../util/errors.js';
import { redactUrl } from '../util/log.js';
import { packageRoot } from '../util/package-root.js';
import { startPool, type ModelContext } from './model-context.js';
import { ffmpegVersion } from '../ingest/ffmpeg-version.js';

export type CheckStatus = 'OK' | 'WARN' | 'FAIL';
export interface CheckResult { check: string; status: CheckStatus; detail: string }

const require = createRequire(import.meta.url);
const GIB = 1024 ** 3;

function run(command: string, args: string[], timeoutMs: number): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : errorMessage(err)}${stderr.trim() ? `: ${lastLine(stderr)}` : ''}`));
      else resolve({ stdout, stderr });
    });
  });
}

function lastLine(text: string): string {
  return redactUrl(text.trim().split('\n').at(-1) ?? '');
}

export async function checkFfmpeg(): Promise<CheckResult[]> {
  try {
    const version = await ffmpegVersion();
    const hw = (await run('ffmpeg', ['-hide_banner', '-hwaccels'], 10_000)).stdout.split('\n').slice(1).map((l) => l.trim()).filter(Boolean);
    let probe: CheckResult;
    try {
      probe = { check: 'ffprobe', status: 'OK', detail: (await run('ffprobe', ['-hide_banner', '-version'], 10_000)).stdout.split('\n')[0].replace(/ Copyright.*$/, '') };
    } catch (err) {
      probe = { check: 'ffprobe', status: 'WARN', detail: `${errorMessage(err)} (camera details unavailable)` };
    }
    return [
      { check: 'ffmpeg', status: 'OK', detail: version },
      { check: 'ffmpeg hwaccels', status: 'OK', detail: hw.length > 0 ? hw.join(', ') : 'none (software decoding)' },
      probe,
    ];
  } catch (err) {
    return [{ check: 'ffmpeg', status: 'FAIL', detail: errorMessage(err) }];
  }
}

/** Decodes exactly one frame with the service's own ffmpeg arguments; resolves with how long it took. */
function decodeOneFrame(camera: CameraConfig, timeoutMs: number): Promise<number> {
  const args = buildFfmpegArgs(camera);
  args.splice(args.length - 1, 0, '-frames:v', '1');
  const started = Date.now();
  const want = frameBytes(camera);
  return new Promise((resolve, reject) => {
    const child = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'], env: minimalChildEnv() });
    let bytes = 0;
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (bytes += d.length));
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => reject(err));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (bytes >= want) return resolve(Date.now() - started);
      const why = signal ? `no frame within ${timeoutMs / 1000} s` : `ffmpeg exited with code ${code}`;
      reject(new Error(stderr.trim() ? `${why}: ${lastLine(stderr)}` : why));
    });
  });
}

async function probeStream(camera: CameraConfig, timeoutMs: number): Promise<string> {
  const { kind, input } = resolveFfmpegInput(camera.url);
  const transport = kind === 'rtsp' ? ['-rtsp_transport', camera.ffmpeg.rtspTransport] : [];
  const { stdout } = await run('ffprobe', ['-v', 'error', ...transport, '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height,avg_frame_rate', '-of', 'json', input], timeoutMs);
  const s = (JSON.parse(stdout) as { streams?: Array<{ codec_name?: string; width?: number; height?: number; avg_frame_rate?: string }> }).streams?.[0];
  if (!s) return 'no video stream';
  const [num, den] = (s.avg_frame_rate ?? '0/1').split('/').map(Number);
  const fps = den > 0 ? Math.round((num / den) * 100) / 100 : 0;
  return `${s.codec_name ?? '?'} ${s.width ?? '?'}x${s.height ?? '?'}${fps > 0 ? ` ${fps} fps` : ''}`;
}

export async function checkCamera(camera: CameraConfig, timeoutMs: number): Promise<CheckResult> {
  const check = `camera ${camera.name}`;
  try {
    const ms = await decodeOneFrame(camera, timeoutMs);
    const source = await probeStream(camera, timeoutMs).catch((err: unknown) => `stream details unavailable (${errorMessage(err)})`);
    return { check, status: 'OK', detail: `${source}; decoded a ${camera.width}x${camera.height} frame in ${(ms / 1000).toFixed(1)} s` };
  } catch (err) {
    return { check, status: 'FAIL', detail: `${redactUrl(camera.url)}: ${errorMessage(err)}` };
  }
}

/** Connect, subscribe to a fresh topic, publish to it and wait for the message to come back. */
export async function checkBroker(config: Config, timeoutMs: number): Promise<CheckResult> {
  const m = config.mqtt;
  if (!m.url) return { check: 'broker', status: 'OK', detail: `embedded broker (catwatch run starts it on ${m.embedded.host}:${m.embedded.port})` };
  const url = m.url;
  const topic = `${m.baseTopic}/doctor/${randomUUID()}`;
  const started = Date.now();
  const client = mqtt.connect(url, {
    clientId: `catwatch-doctor-${process.pid}`,
    username: m.username,
    password: m.password,
    reconnectPeriod: 0,
    connectTimeout: timeoutMs,
    ...(m.tls.ca ? { ca: readFileSync(m.tls.ca) } : {}),
    ...(m.tls.cert ? { cert: readFileSync(m.tls.cert) } : {}),
    ...(m.tls.key ? { key: readFileSync(m.tls.key) } : {}),
    rejectUnauthorized: m.tls.rejectUnauthorized,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no round trip within ${timeoutMs / 1000} s`)), timeoutMs);
      client.on('error', (err) => { clearTimeout(timer); reject(err); });
      client.on('message', (t) => { if (t === topic) { clearTimeout(timer); resolve(); } });
      client.on('connect', () => {
        client.subscribe(topic, { qos: 1 }, (err) => (err ? reject(err) : client.publish(topic, 'ping', { qos: 1 })));
      });
    });
    return { check: 'broker', status: 'OK', detail: `publish/subscribe round trip to ${redactUrl(url)} in ${Date.now() - started} ms` };
  } catch (err) {
    return { check: 'broker', status: 'FAIL', detail: `${redactUrl(url)}: ${errorMessage(err)}` };
  } finally {
    client.end(true);
  }
}

/** Loads the backbone (one worker) and the current model, and scores the bundled cat photo. */
export async function checkModel(ctx: ModelContext): Promise<CheckResult> {
  const photo = join(packageRoot(), 'test', 'fixtures', 'chelsea.png');
  let stopPool = async (): Promise<void> => undefined;
  try {
    const { pool, info } = await startPool({ ...ctx, config: { ...ctx.config, model: { ...ctx.config.model, workers: 1 } } });
    stopPool = () => pool.stop();
    const model = createTargetModel(ctx.registry.loadCurrent(info.id), { thresholdOverride: ctx.config.model.threshold });
    const base = `backbone ${info.id} (${info.runtime}), model ${model.version}`;
    if (!existsSync(photo)) return { check: 'model', status: 'WARN', detail: `${base}; test photo ${photo} missing, not scored` };
    const [out] = await pool.embed([await decodeImage(photo)]);
    const score = model.score(out);
    const ok = score >= model.threshold;
    return { check: 'model', status: ok ? 'OK' : 'WARN', detail: `${base}; chelsea.png (a cat) scores ${score.toFixed(3)} (threshold ${model.threshold.toFixed(3)})${ok ? '' : ': missed'}` };
  } catch (err) {
    return { check: 'model', status: 'FAIL', detail: errorMessage(err) };
  } finally {
    await stopPool();
  }
}

function resolvable(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

/** GPU runtimes are optional: their absence is OK unless the config asks for a GPU provider explicitly. */
export async function checkGpu(config: Config): Promise<CheckResult[]> {
  const wantsGpu = config.model.runtime === 'cuda' || config.model.runtime === 'tensorrt';
  const missing: CheckStatus = wantsGpu ? 'FAIL' : 'OK';
  let ortDir: string | undefined;
  try {
    ortDir = dirname(require.resolve('onnxruntime-node/package.json'));
  } catch {
    // Reported below as "not installed".
  }
  const libs = ortDir ? findFiles(join(ortDir, 'bin'), /^libonnxruntime_providers_(cuda|tensorrt)\.so/) : [];
  let smi: CheckResult;
  try {
    const { stdout } = await run('nvidia-smi', ['--query-gpu=name,driver_version,memory.total', '--format=csv,noheader'], 15_000);
    smi = { check: 'gpu nvidia-smi', status: 'OK', detail: stdout.trim().split('\n').join('; ') };
  } catch (err) {
    smi = { check: 'gpu nvidia-smi', status: missing, detail: `${errorMessage(err)} (no NVIDIA GPU in use; CPU inference)` };
  }
  const tf = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'].filter(resolvable);
  return [
    smi,
    {
      check: 'gpu onnxruntime',
      status: libs.length > 0 ? 'OK' : missing,
      detail: !ortDir ? 'onnxruntime-node not installed' : libs.length > 0 ? `GPU providers: ${libs.join(', ')}` : `CPU build only (no CUDA/TensorRT provider library); model.runtime ${config.model.runtime}`,
    },
    { check: 'gpu tensorflow', status: 'OK', detail: tf.length > 0 ? `${tf.join(', ')} installed` : 'no tfjs-node(-gpu); TensorFlow.js runs on WebAssembly/CPU' },
  ];
}

function findFiles(dir: string, pattern: RegExp): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => pattern.test(f.split('/').at(-1) ?? ''));
}

/** Free space where the data folder is (or will be: its nearest existing parent). */
export function checkDisk(config: Config): CheckResult {
  let dir = config.dataDir;
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  try {
    const s = statfsSync(dir);
    const freeBytes = s.bavail * s.bsize;
    const needBytes = Math.max(GIB, config.mine.quotaMb * 1024 * 1024 * 2);
    const status: CheckStatus = freeBytes < 100 * 1024 * 1024 ? 'FAIL' : freeBytes < needBytes ? 'WARN' : 'OK';
    const hint = status === 'OK' ? '' : `; want at least ${(needBytes / GIB).toFixed(1)} GiB (twice mine.quotaMb, 1 GiB minimum)`;
    return { check: 'disk', status, detail: `${(freeBytes / GIB).toFixed(1)} GiB free for ${config.dataDir}${dir === config.dataDir ? '' : ` (on ${dir}; folder not created yet)`}${hint}` };
  } catch (err) {
    return { check: 'disk', status: 'FAIL', detail: `${dir}: ${errorMessage(err)}` };
  }
}
