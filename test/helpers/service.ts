/**
 * A running `catwatch run` for end-to-end tests: writes a config into a temp dir, starts the built CLI as a user
 * would, and records every MQTT message under the base topic with a real mqtt.js subscriber.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { stringify } from 'yaml';
import { startCli } from './cli.js';
import { freePort } from './free-port.js';
import { childrenOf, waitForExit } from './processes.js';
import type { StatusSnapshot } from '../../src/service/status.js';

export interface Received { topic: string; payload: Buffer; retain: boolean; atMs: number }

export interface ServiceHarness {
  dir: string;
  /** The service's dataDir. */
  dataDir: string;
  configPath: string;
  httpPort: number;
  messages: Received[];
  events(): Array<{ type: string; id: string; camera: string; score: number; has_snapshot: boolean }>;
  waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void>;
  output(): string;
  /** GET /api/status (undefined while the HTTP endpoint is not up yet). */
  status(): Promise<StatusSnapshot | undefined>;
  /** Polls /api/status until `predicate` holds. */
  waitForStatus(predicate: (s: StatusSnapshot) => boolean, timeoutMs: number, what: string): Promise<StatusSnapshot>;
  /** Every stage running and the service online on MQTT. */
  waitForRunning(timeoutMs?: number): Promise<void>;
  /** The service's process id (it must stay the same: systemd never restarted it). */
  pid: number | undefined;
  /** The latest retained-or-not message on a topic, parsed as JSON. */
  latestJson<T>(topic: string): T | undefined;
  /** The latest payload on a topic as text. */
  latest(topic: string): string | undefined;
  /** Pids of the service's ffmpeg children right now. */
  ffmpegChildren(): number[];
  stop(): Promise<{ code: number | null; exitedWithinMs: number }>;
  kill9(): Promise<void>;
}

export async function startService(opts: {
  brokerUrl: string;
  config: Record<string, unknown>;
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
  /** A persistent QoS 1 subscriber session (clean: false), so messages sent while it is offline are kept for it. */
  persistentSubscriber?: boolean;
}): Promise<ServiceHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'cw-svc-'));
  const httpPort = await freePort();
  const config = {
    dataDir: opts.dataDir ?? join(dir, 'data'),
    mqtt: { url: opts.brokerUrl, baseTopic: 'catwatch', discovery: { enabled: true } },
    stats: { intervalS: 2 },
    ...opts.config,
    // The harness's free port unless the test names one (e.g. a port already taken).
    http: { host: '127.0.0.1', port: httpPort, ...(opts.config.http as Record<string, unknown> | undefined) },
  };
  const configPath = join(dir, 'catwatch.yml');
  writeFileSync(configPath, stringify(config));
  const nodeId = (opts.config.node as { id?: string } | undefined)?.id;
  const availableTopic = nodeId === undefined ? 'catwatch/available' : `catwatch/nodes/${nodeId}/available`;

  const messages: Received[] = [];
  const sub: MqttClient = mqtt.connect(opts.brokerUrl, {
    clientId: `test-sub-${process.pid}-${Date.now()}`,
    reconnectPeriod: 500,
    clean: !opts.persistentSubscriber,
  });
  sub.on('message', (topic, payload, packet) => messages.push({ topic, payload, retain: packet.retain, atMs: Date.now() }));
  await new Promise<void>((resolve, reject) => {
    sub.once('connect', () => sub.subscribe(['catwatch/#', 'homeassistant/#'], { qos: 1 }, (err) => (err ? reject(err) : resolve())));
    sub.once('error', reject);
  });

  const cli = startCli(['run', '--config', configPath], { env: { CATWATCH_LOG_LEVEL: 'info', ...opts.env } });
  const harness: ServiceHarness = {
    dir,
    dataDir: config.dataDir,
    configPath,
    httpPort,
    messages,
    events: () => messages.filter((m) => m.topic === 'catwatch/events').map((m) => JSON.parse(m.payload.toString()) as ReturnType<ServiceHarness['events']>[number]),
    async waitFor(predicate, timeoutMs, what) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; service output tail:\n${cli.output().slice(-4000)}`);
        if (cli.child.exitCode !== null) throw new Error(`catwatch exited (${cli.child.exitCode}) while waiting for ${what}:\n${cli.output().slice(-4000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    output: () => cli.output(),
    async status() {
      try {
        const res = await fetch(`http://127.0.0.1:${httpPort}/api/status`);
        return res.ok ? ((await res.json()) as StatusSnapshot) : undefined;
      } catch {
        return undefined;
      }
    },
    async waitForStatus(predicate, timeoutMs, what) {
      let last: StatusSnapshot | undefined;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (cli.child.exitCode !== null) throw new Error(`catwatch exited (${cli.child.exitCode}) while waiting for ${what}:\n${cli.output().slice(-4000)}`);
        last = await harness.status();
        if (last && predicate(last)) return last;
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last status ${JSON.stringify(last)}; output tail:\n${cli.output().slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async waitForRunning(timeoutMs = 90_000) {
      await harness.waitForStatus((s) => s.state === 'running' && s.stages.every((st) => st.state === 'running'), timeoutMs, 'every stage running');
      await harness.waitFor(() => harness.latest(availableTopic) === 'online', 30_000, 'the service online on MQTT');
    },
    pid: cli.child.pid,
    latest: (topic) => messages.findLast((m) => m.topic === topic)?.payload.toString(),
    latestJson<T>(topic: string) {
      const text = harness.latest(topic);
      return text ? (JSON.parse(text) as T) : undefined;
    },
    ffmpegChildren: () => (cli.child.pid ? childrenOf(cli.child.pid) : []),
    async stop() {
      const started = Date.now();
      let code: number | null = cli.child.exitCode;
      // A child killed by a signal (kill9) has no exit code but has exited: waiting for its exit would hang.
      if (code === null && cli.child.signalCode === null) {
        const exited = new Promise<number | null>((resolve) => cli.child.once('exit', (c) => resolve(c)));
        cli.child.kill('SIGTERM');
        const ok = await waitForExit(cli.child, 10_000);
        if (!ok) cli.child.kill('SIGKILL');
        code = await exited;
      }
      sub.end(true);
      return { code, exitedWithinMs: Date.now() - started };
    },
    async kill9() {
      cli.child.kill('SIGKILL');
      await waitForExit(cli.child, 5000);
      sub.end(true);
    },
  };
  return harness;
}
