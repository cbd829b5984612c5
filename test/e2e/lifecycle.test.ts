/** Issue 2: `catwatch run` stops cleanly on SIGTERM and reloads its config on change and SIGHUP. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startCli } from '../helpers/cli.js';
import { freePort } from '../helpers/free-port.js';
import { fixturesDir } from '../helpers/paths.js';
import { pollUntil } from '../helpers/poll.js';
import type { StatusSnapshot } from '../../src/service/status.js';

/** Live processes whose command line mentions `needle` (ffmpeg gets the clip path in its arguments). */
function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle) && !readFileSync(`/proc/${entry}/stat`, 'utf8').includes(') Z ')) pids.push(Number(entry));
    } catch {
      // the process exited while we looked
    }
  }
  return pids;
}

async function writeConfig(dir: string, extra: Record<string, unknown> = {}): Promise<{ path: string; status: () => Promise<StatusSnapshot> }> {
  const path = join(dir, 'catwatch.yml');
  const httpPort = await freePort();
  writeFileSync(path, stringify({
    dataDir: join(dir, 'data'),
    mqtt: { embedded: { port: await freePort() } },
    http: { port: httpPort },
    model: { backbone: 'objectron' },
    cameras: [{ name: 'demo', url: join(fixturesDir, 'demo-cat.mp4'), detectFps: 5 }],
    ...extra,
  }));
  return { path, status: async () => (await (await fetch(`http://127.0.0.1:${httpPort}/api/status`)).json()) as StatusSnapshot };
}

test('SIGTERM during run exits 0 within 5 s and leaves no child process', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cw-life-'));
  const config = await writeConfig(dir);
  const cli = startCli(['run', '--config', config.path], { env: { CATWATCH_LOG_LEVEL: 'info' } });
  await pollUntil('the service running with its camera up', 60_000, async () => {
    const s = await config.status();
    return s.state === 'running' && s.cameras.demo?.up ? s : undefined;
  }, cli.output);
  assert.ok(processesMentioning('demo-cat.mp4').length > 0, 'ffmpeg runs while the service runs');
  const started = Date.now();
  const exited = new Promise<number | null>((resolve) => cli.child.once('exit', (code) => resolve(code)));
  cli.child.kill('SIGTERM');
  const code = await exited;
  const elapsedMs = Date.now() - started;
  assert.equal(code, 0, cli.output().slice(-2000));
  assert.ok(elapsedMs < 5000, `stopped in ${elapsedMs} ms`);
  assert.deepEqual(processesMentioning('demo-cat.mp4').filter((pid) => pid !== process.pid), [], 'no ffmpeg left behind');
  assert.match(cli.output(), /catwatch stopped/);
});

test('a config file change and SIGHUP reload the config; a bad edit keeps the running config', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cw-life-'));
  const config = await writeConfig(dir);
  const cli = startCli(['run', '--config', config.path], { env: { CATWATCH_LOG_LEVEL: 'info' } });
  const statusWhere = (what: string, ok: (s: StatusSnapshot) => boolean): Promise<StatusSnapshot> =>
    pollUntil(what, 15_000, async () => {
      const s = await config.status();
      return ok(s) ? s : undefined;
    }, cli.output);
  try {
    await pollUntil('the service running', 60_000, async () => ((await config.status()).state === 'running' ? true : undefined), cli.output);
    const text = readFileSync(config.path, 'utf8');
    writeFileSync(config.path, text.replace('detectFps: 5', 'detectFps: 2'));
    const changed = await statusWhere('the cameras change applied', (s) => s.config.lastChange?.changed.includes('cameras') === true);
    writeFileSync(config.path, `${text}\nbogusKey: 1\n`);
    const rejected = await statusWhere('the bad edit refused', (s) => s.config.lastRejected !== null);
    assert.match(rejected.config.lastRejected?.reason ?? '', /bogusKey/);
    writeFileSync(config.path, text);
    cli.child.kill('SIGHUP');
    await statusWhere('SIGHUP reloading the restored file', (s) => (s.config.lastChange?.atMs ?? 0) > (changed.config.lastChange?.atMs ?? 0));
    assert.equal(cli.child.exitCode, null, 'still running');
  } finally {
    cli.child.kill('SIGTERM');
    await new Promise((r) => cli.child.once('exit', r));
  }
});
