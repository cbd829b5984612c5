/**
 * The embedded MQTT broker (aedes), started when no external broker is configured so that `catwatch run` works on a
 * fresh machine. It binds to loopback by default and refuses to listen beyond it without credentials, because an
 * open broker on the LAN would let anyone read the cameras' events or steer training.
 */
import { isLoopbackName } from '../util/loopback.js';
import { anonymousMayPublish, type BrokerAcl } from './broker-acl.js';
import { bounded } from './command-gate.js';
import { limitPacketSize, MAX_PACKET_BYTES } from './packet-size-limit.js';
import { createServer, type Server } from 'node:net';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { Aedes } from 'aedes';
import { CatwatchError } from '../util/errors.js';
import type { Logger } from '../util/log.js';

export interface EmbeddedBrokerDeps {
  host: string;
  port: number;
  /** Credentials of writers (users' clients that send commands); absent: anonymous clients may read. */
  username?: string;
  password?: string;
  /** The service's own client's credentials (a writer). */
  service: { username: string; password: string };
  acl: BrokerAcl;
  log: Logger;
}

export interface EmbeddedBroker {
  readonly name: 'broker';
  readonly critical: true;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** `mqtt://host:port` once started (the real port when 0 was asked for). */
  url(): string;
}

/** Bounds on what clients other than the service may hold in the broker's memory. */
export const BROKER_LIMITS = Object.freeze({ maxClients: 100, maxRetainedTopics: 1000, maxRetainedBytes: 16 * 2 ** 20 });

function sameSecret(a: string, b: Buffer | undefined): boolean {
  if (!b) return false;
  const expected = Buffer.from(a);
  return expected.length === b.length && timingSafeEqual(expected, b);
}

/** A per-process credential for the service's own client on the embedded broker (never written anywhere). */
export function internalBrokerCredentials(): { username: string; password: string } {
  return { username: 'catwatch-service', password: randomBytes(24).toString('base64url') };
}

async function listen(srv: Server, host: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(port, host, () => {
      srv.off('error', reject);
      resolve();
    });
  }).catch((err: NodeJS.ErrnoException) => {
    throw new CatwatchError('E_BROKER_INSECURE', `embedded broker cannot listen on ${host}:${port}: ${err.code ?? err.message}; set mqtt.embedded.port or mqtt.url`, { cause: err });
  });
}

export function createEmbeddedBroker(deps: EmbeddedBrokerDeps): EmbeddedBroker {
  const log = deps.log.child({ component: 'broker' });
  let broker: Aedes | undefined;
  let server: Server | undefined;
  let boundPort = deps.port;

  return {
    name: 'broker',
    critical: true,
    async start() {
      const secured = Boolean(deps.username && deps.password);
      if (!isLoopbackName(deps.host) && !secured) {
        throw new CatwatchError(
          'E_BROKER_INSECURE',
          `the embedded broker would listen on ${deps.host} without credentials; set mqtt.username and mqtt.password (or CATWATCH_MQTT_PASSWORD), or mqtt.embedded.host: 127.0.0.1`,
        );
      }
      const writers = new WeakSet<object>();
      const retained = createRetainedBudget();
      const service = new WeakSet<object>();
      broker = await Aedes.createBroker({
        preConnect: (client, _packet, done) => {
          const full = (broker?.connectedClients ?? 0) >= BROKER_LIMITS.maxClients;
          if (full) log.warn({ clients: broker?.connectedClients, max: BROKER_LIMITS.maxClients }, 'mqtt connection refused: too many clients');
          done(null, !full);
        },
        authenticate: (client, username, password, done) => {
          const isService = username === deps.service.username && sameSecret(deps.service.password, password);
          const isUser = secured && username === deps.username && sameSecret(deps.password ?? '', password);
          if (isService || isUser) writers.add(client);
          if (isService) service.add(client);
          // With credentials configured, everyone needs them; without, anonymous clients may connect (to read).
          done(null, isService || isUser || !secured);
        },
        authorizePublish: (client, packet, done) => {
          if (client && !writers.has(client) && !anonymousMayPublish(deps.acl, packet.topic, packet.retain)) {
            log.warn({ clientId: client.id, topic: bounded(packet.topic) }, 'mqtt publish refused: anonymous clients may not publish there');
            return done(new Error('not authorised'));
          }
          // The service's own retained state is always kept; everyone else shares a bounded budget.
          if (packet.retain && client && !service.has(client) && !retained.admit(packet.topic, packet.payload.length)) {
            log.warn({ clientId: client.id, topic: bounded(packet.topic), ...BROKER_LIMITS }, 'mqtt retained message refused: retained store full');
            return done(new Error('retained store full'));
          }
          done(null);
        },
      });
      // One client's error must never take the broker (and the service) down.
      broker.on('clientError', (client, err) => log.debug({ clientId: client.id, err: err.message }, 'mqtt client error'));
      broker.on('connectionError', (_client, err) => log.debug({ err: err.message }, 'mqtt connection error'));
      const b = broker;
      const srv = createServer((socket) => b.handle(limitPacketSize(socket, MAX_PACKET_BYTES, (announcedBytes) =>
        log.warn({ remoteAddress: socket.remoteAddress, announcedBytes, max: MAX_PACKET_BYTES }, 'mqtt connection closed: packet too large'))));
      server = srv;
      await listen(srv, deps.host, deps.port);
      const address = srv.address();
      if (address && typeof address === 'object') boundPort = address.port;
      log.info({ host: deps.host, port: boundPort, auth: secured }, 'embedded broker listening');
    },
    async stop() {
      const srv = server;
      const b = broker;
      server = undefined;
      broker = undefined;
      if (srv) {
        await new Promise<void>((resolve) => {
          srv.close(() => resolve());
          // close() waits for open connections; aedes.close() below ends them.
          if (b) b.close(() => undefined);
        });
      } else if (b) {
        await new Promise<void>((resolve) => b.close(() => resolve()));
      }
      log.info('embedded broker stopped');
    },
    url() {
      const host = deps.host.includes(':') ? `[${deps.host}]` : deps.host;
      return `mqtt://${host}:${boundPort}`;
    },
  };
}

/**
 * Retained messages of clients other than the service, bounded in count and bytes. A topic already held may always
 * be replaced within the byte budget, and an empty payload (which deletes it) always passes.
 */
function createRetainedBudget() {
  const sizes = new Map<string, number>();
  let bytes = 0;
  return {
    admit(topic: string, payloadBytes: number): boolean {
      const old = sizes.get(topic);
      if (payloadBytes === 0) {
        if (old !== undefined) bytes -= old;
        sizes.delete(topic);
        return true;
      }
      if (old === undefined && sizes.size >= BROKER_LIMITS.maxRetainedTopics) return false;
      if (bytes - (old ?? 0) + payloadBytes > BROKER_LIMITS.maxRetainedBytes) return false;
      bytes += payloadBytes - (old ?? 0);
      sizes.set(topic, payloadBytes);
      return true;
    },
  };
}
