/**
 * The fake KServe v2 server (fake-kserve-server.ts) as a separate process, from the test's side: spawn it on a port,
 * wait until it answers ready, read its counters, change its behaviour, kill it and start it again on the same port.
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FakeKserveOptions, FakeKserveStats } from './fake-kserve-server.js';
import { freePort } from './free-port.js';
import { pollUntil } from './poll.js';
import { killProcess, spawnTracked, tailOf, waitForExit } from './processes.js';

export type { FakeKserveStats } from './fake-kserve-server.js';

const MAIN = fileURLToPath(new URL('./fake-kserve-main.js', import.meta.url));
const START_TIMEOUT_MS = 60_000;

export interface FakeKserve {
  readonly url: string;
  readonly port: number;
  stats(): Promise<FakeKserveStats>;
  /** Delay every inference by `delayMs`, or answer it with HTTP `status` (undefined: normal again). */
  control(behaviour: { delayMs?: number; status?: number }): Promise<void>;
  resetStats(): Promise<void>;
  /** SIGKILL, as a crashed server: open connections are reset. */
  kill(): Promise<void>;
  /** A fresh process on the same port (counters and behaviour start from zero). */
  restart(): Promise<void>;
}

export async function startFakeKserve(options: Omit<FakeKserveOptions, 'port'> & { port?: number }): Promise<FakeKserve> {
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    const started = await spawnTracked(process.execPath, [MAIN, JSON.stringify({ ...options, port })], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = started;
    const stderr = tailOf(started.stderr);
    const state = await pollUntil('the fake KServe server to answer ready', START_TIMEOUT_MS, async () => {
      if (started.exitCode !== null) return 'exited';
      return (await fetch(`${url}/v2/health/ready`)).ok ? 'ready' : undefined;
    }, stderr);
    if (state === 'exited') throw new Error(`fake KServe server exited with code ${started.exitCode}: ${stderr()}`);
  };
  const call = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${url}${path}`, { method, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`fake KServe ${method} ${path}: HTTP ${res.status}`);
    return res.json();
  };
  const kill = async (): Promise<void> => {
    if (!child) return;
    killProcess(child);
    if (!(await waitForExit(child, 10_000))) throw new Error('fake KServe server did not exit after SIGKILL');
    child = undefined;
  };
  await start();
  return {
    url,
    port,
    stats: async () => (await call('GET', '/fake/stats')) as FakeKserveStats,
    control: async (behaviour) => void (await call('POST', '/fake/control', { delayMs: behaviour.delayMs ?? 0, status: behaviour.status ?? null })),
    resetStats: async () => void (await call('POST', '/fake/reset')),
    kill,
    async restart() {
      await kill();
      await start();
    },
  };
}
