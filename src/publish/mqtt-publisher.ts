/**
 * The MQTT side of catwatch: one mqtt.js client with a last will (`<base>/available` = offline, retained), the
 * outbox drain for events (one QoS 1 message in flight at a time: mqtt.js retransmits it across reconnects, so we
 * never send a second copy ourselves), direct publishes for latest-wins state (retained topics, stats), and
 * command subscriptions (`train/set`, `samples/set`) handed to registered handlers.
 */
import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from '../util/log.js';
import { redactUrl } from '../util/log.js';
import { createStateSubscriptions } from './state-subscriptions.js';
import { bounded, createCommandGate, type CommandRefusal, type CommandGate } from './command-gate.js';
import type { Outbox } from './outbox.js';
import { topics, type Topics } from './topics.js';

export interface MqttPublisherDeps {
  url: string;
  baseTopic: string;
  /** Set when several catwatch nodes share the broker (topics.ts). */
  nodeId?: string;
  clientId?: string;
  username?: string;
  password?: string;
  tls?: { ca?: string; cert?: string; key?: string; rejectUnauthorized: boolean };
  outbox: Outbox;
  log: Logger;
  reconnectPeriodMs?: number;
}

export type CommandHandler = (payload: Buffer) => void;

export interface MqttPublisher {
  readonly name: 'mqtt';
  /** Everything reports through it; it never fails to start for a missing broker (the outbox keeps events). */
  readonly critical: true;
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly topics: Topics;
  /** Durable (through the outbox, QoS 1). */
  publishDurable(topic: string, payload: string | Buffer, options?: { retain?: boolean }): void;
  /** Latest wins; dropped while disconnected (retained state is republished on reconnect by its owner). */
  publishLatest(topic: string, payload: string | Buffer, options?: { retain?: boolean; qos?: 0 | 1 }): void;
  onCommand(topic: string, handler: CommandHandler): void;
  /**
   * Follows a retained state topic (e.g. the fleet's signed model pointer): unlike commands, retained messages are
   * delivered (that is the point), but one above `maxBytes` is dropped and logged. Returns an unsubscribe.
   */
  onRetainedState(topic: string, handler: CommandHandler, maxBytes: number): () => void;
  /** Runs on every (re)connect, and at once when already connected. */
  onConnect(listener: () => void): void;
  /** Commands not run so far, by reason. */
  commandsRefused(): Readonly<Record<CommandRefusal, number>>;
  isConnected(): boolean;
}

/** The client's options: a retained `offline` last will on the availability topic, TLS files read at connect. */
function clientOptions(deps: MqttPublisherDeps, availableTopic: string): IClientOptions {
  return {
    clientId: deps.clientId ?? `catwatch-${deps.nodeId ?? hostname()}-${process.pid}`,
    username: deps.username,
    password: deps.password,
    clean: true,
    reconnectPeriod: deps.reconnectPeriodMs ?? 2000,
    connectTimeout: 10_000,
    will: { topic: availableTopic, payload: Buffer.from('offline'), qos: 1, retain: true },
    ...(deps.tls?.ca ? { ca: readFileSync(deps.tls.ca) } : {}),
    ...(deps.tls?.cert ? { cert: readFileSync(deps.tls.cert) } : {}),
    ...(deps.tls?.key ? { key: readFileSync(deps.tls.key) } : {}),
    rejectUnauthorized: deps.tls?.rejectUnauthorized ?? true,
  };
}

function runListener(listener: () => void, log: Logger): void {
  try {
    listener();
  } catch (err) {
    log.error({ err }, 'mqtt connect listener failed');
  }
}

/** A command that throws is the sender's problem (a bad payload), never the publisher's. */
function runCommand(handler: CommandHandler | undefined, message: { topic: string; payload: Buffer; retained: boolean }, gate: CommandGate, log: Logger): void {
  if (!handler) return;
  const refusal = gate.check(message.topic, message.payload, message.retained);
  if (refusal) {
    log.warn({ topic: message.topic, reason: refusal, bytes: message.payload.length }, 'mqtt command ignored');
    return;
  }
  try {
    handler(message.payload);
  } catch (err) {
    log.warn({ topic: message.topic, err: bounded((err as Error).message) }, 'mqtt command rejected');
  }
}

export function createMqttPublisher(deps: MqttPublisherDeps): MqttPublisher {
  const log = deps.log.child({ component: 'mqtt' });
  const t = topics(deps.baseTopic, deps.nodeId);
  const handlers = new Map<string, CommandHandler>();
  const states = createStateSubscriptions(log);
  const gate = createCommandGate();
  const connectListeners: Array<() => void> = [];
  let client: MqttClient | undefined;
  let draining = false;
  let stopped = false;

  function drain(): void {
    const c = client;
    if (!c || !c.connected || draining || stopped) return;
    const [next] = deps.outbox.peek(1);
    if (!next) return;
    draining = true;
    c.publish(next.topic, next.payload, { qos: next.qos, retain: next.retain }, (err) => {
      draining = false;
      if (err) {
        // Not acknowledged (client closing): the row stays and goes out after the next connect.
        log.debug({ err: err.message, seq: next.seq }, 'outbox publish not acknowledged');
        return;
      }
      deps.outbox.remove(next.seq);
      setImmediate(drain);
    });
  }

  return {
    name: 'mqtt',
    critical: true,
    topics: t,
    async start() {
      stopped = false;
      const c = mqtt.connect(deps.url, clientOptions(deps, t.available));
      client = c;
      c.on('connect', () => {
        log.info({ url: redactUrl(deps.url), outboxDepth: deps.outbox.depth() }, 'mqtt connected');
        c.publish(t.available, 'online', { qos: 1, retain: true });
        const commandTopics = [...handlers.keys(), ...states.topics()];
        if (commandTopics.length > 0) c.subscribe(commandTopics, { qos: 1 });
        for (const listener of connectListeners) runListener(listener, log);
        drain();
      });
      c.on('close', () => log.debug('mqtt connection closed'));
      c.on('offline', () => log.warn({ url: redactUrl(deps.url) }, 'mqtt broker unreachable, retrying'));
      c.on('error', (err) => log.warn({ err: err.message }, 'mqtt error'));
      c.on('message', (topic, payload, packet) => states.handle(topic, payload) || runCommand(handlers.get(topic), { topic, payload, retained: packet.retain }, gate, log));
      // Do not block start-up on the broker: catwatch detects (and queues events) while the broker is away.
    },
    async stop() {
      stopped = true;
      const c = client;
      client = undefined;
      if (!c) return;
      if (c.connected) {
        await new Promise<void>((resolve) => c.publish(t.available, 'offline', { qos: 1, retain: true }, () => resolve()));
      }
      await new Promise<void>((resolve) => c.end(false, {}, () => resolve()));
      log.info('mqtt disconnected');
    },
    publishDurable(topic, payload, options = {}) {
      deps.outbox.push(topic, payload, { qos: 1, retain: options.retain ?? false });
      drain();
    },
    publishLatest(topic, payload, options = {}) {
      const c = client;
      if (!c || !c.connected) return;
      c.publish(topic, payload, { qos: options.qos ?? 0, retain: options.retain ?? false });
    },
    commandsRefused: () => gate.refused(),
    onCommand(topic, handler) {
      handlers.set(topic, handler);
      if (client?.connected) client.subscribe(topic, { qos: 1 });
    },
    onRetainedState: (topic, handler, maxBytes) => states.add(topic, handler, maxBytes, () => client),
    onConnect(listener) {
      connectListeners.push(listener);
      // Stages register after the client may already be connected: run it now for the current connection.
      if (client?.connected) listener();
    },
    isConnected: () => Boolean(client?.connected),
  };
}
