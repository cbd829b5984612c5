/**
 * The streaming pipeline benchmark (issue 4): `catwatch run` as a user runs it, with N cameras of 640x360 at
 * 5 fps, motion gating on and off. Cameras are a real GStreamer RTSP server (test/helpers) looping an H.264 clip
 * in which a cat walks in and out (test/fixtures/demo-cat.mp4), so decode, motion, scoring and events all work.
 * Reports, per configuration, after a warm-up: frames/s decoded, regions/s scored, frames dropped, p50/p95 latency
 * from frame capture to the scored result (events are published in the same tick), and CPU% of catwatch plus its
 * ffmpeg children, per camera. Usage: node dist/bench/pipeline.js [--cameras 1,4,16,32] [--seconds 30]
 *   [--backbone objectron|mobilenetv2-12-int8] [--data-dir DIR (with the pulled backbone for mobilenet)]
 */
import { readFileSync, readdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { stringify } from 'yaml';
import { startCli } from '../test/helpers/cli.js';
import { freePort } from '../test/helpers/free-port.js';
import { fixturesDir } from '../test/helpers/paths.js';
import { startRtspServer } from '../test/helpers/rtsp-server.js';
import type { StatsPayload } from '../src/publish/topics.js';

const { values } = parseArgs({
  options: {
    cameras: { type: 'string', default: '1,4,16,32' },
    seconds: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '15' },
    backbone: { type: 'string', default: 'objectron' },
    'data-dir': { type: 'string' },
  },
});

const TICKS_PER_S = 100; // USER_HZ on Linux

/** utime + stime (in ticks) of a process and all its descendants. */
function cpuTicks(rootPid: number): number {
  const stats = readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map((e) => {
      try {
        const s = readFileSync(`/proc/${e}/stat`, 'utf8');
        const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
        return { pid: Number(e), ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
      } catch {
        return undefined;
      }
    })
    .filter((x): x is { pid: number; ppid: number; ticks: number } => x !== undefined);
  const tree = new Set([rootPid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const s of stats) {
      if (!tree.has(s.pid) && tree.has(s.ppid)) {
        tree.add(s.pid);
        grew = true;
      }
    }
  }
  return stats.filter((s) => tree.has(s.pid)).reduce((sum, s) => sum + s.ticks, 0);
}

async function runOnce(cameras: number, motion: boolean, rtspUrl: string): Promise<Record<string, number | string>> {
  const dir = mkdtempSync(join(tmpdir(), 'cw-bench-'));
  const port = await freePort();
  const configPath = join(dir, 'catwatch.yml');
  writeFileSync(configPath, stringify({
    dataDir: values['data-dir'] ?? join(dir, 'data'),
    log: { level: 'warn' },
    mqtt: { embedded: { port } },
    http: { enabled: false },
    stats: { intervalS: 1 },
    mine: { enabled: false },
    model: { backbone: values.backbone },
    cameras: Array.from({ length: cameras }, (_, i) => ({ name: `cam${i}`, url: rtspUrl, detectFps: 5, width: 640, height: 360, motion: { enabled: motion } })),
  }));
  const cli = startCli(['run', '--config', configPath], { env: { CATWATCH_LOG_LEVEL: 'warn' } });
  let latest: StatsPayload | undefined;
  const client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { reconnectPeriod: 300 });
  client.on('connect', () => client.subscribe('catwatch/stats'));
  client.on('message', (_t, payload) => (latest = JSON.parse(payload.toString()) as StatsPayload));
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  await sleep(Number(values.warmup) * 1000);
  const pid = cli.child.pid as number;
  const first = latest;
  const ticks0 = cpuTicks(pid);
  const t0 = Date.now();
  await sleep(Number(values.seconds) * 1000);
  const last = latest;
  const seconds = (Date.now() - t0) / 1000;
  const cpuPercent = ((cpuTicks(pid) - ticks0) / TICKS_PER_S / seconds) * 100;
  client.end(true);
  cli.child.kill('SIGTERM');
  await new Promise((r) => cli.child.once('exit', r));
  if (!first || !last) throw new Error(`no stats received; output:\n${cli.output().slice(-2000)}`);
  const sum = (s: StatsPayload, k: 'frames' | 'regions_scored' | 'dropped') => Object.values(s.cameras).reduce((a, c) => a + c[k], 0);
  return {
    cameras,
    motion: motion ? 'on' : 'off',
    framesPerS: round((sum(last, 'frames') - sum(first, 'frames')) / seconds),
    regionsPerS: round((sum(last, 'regions_scored') - sum(first, 'regions_scored')) / seconds),
    droppedPerS: round((sum(last, 'dropped') - sum(first, 'dropped')) / seconds),
    latencyP50Ms: last.latency_ms_p50,
    latencyP95Ms: last.latency_ms_p95,
    inferenceP50Ms: last.inference_ms_p50,
    cpuPercentTotal: round(cpuPercent),
    cpuPercentPerCamera: round(cpuPercent / cameras),
  };
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}

async function main(): Promise<void> {
  const rtsp = await startRtspServer({ file: join(fixturesDir, 'demo-cat.mp4'), loop: true });
  const rows: Array<Record<string, number | string>> = [];
  try {
    for (const n of values.cameras.split(',').map(Number)) {
      for (const motion of [true, false]) {
        const row = await runOnce(n, motion, rtsp.url);
        rows.push(row);
        process.stdout.write(`${JSON.stringify(row)}\n`);
      }
    }
  } finally {
    await rtsp.stop();
  }
  const keys = Object.keys(rows[0]);
  process.stdout.write(`\n| ${keys.join(' | ')} |\n|${keys.map(() => '---').join('|')}|\n`);
  for (const r of rows) process.stdout.write(`| ${keys.map((k) => r[k]).join(' | ')} |\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
