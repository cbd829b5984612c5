/**
 * The embedded MQTT broker (aedes), started when no external broker is configured so that `catwatch run` works on a
 * fresh machine. It binds to loopback by default and refuses to listen beyond it without credentials, because an
 * open broker on the LAN would let anyone read the cameras' events or steer training.
 */
import { isLoopbackName } from '../util/loopback.js';
import { anonymousMayPublish, type BrokerAcl } from './broker-acl.js';
import { bounded } from './command-gate.js';
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

function sameSecret(a: string, b: Buffer | undefined): boolean {
  if (!b) return false;
  const expected = Buffer.from(a);
  return expected.length === b.length && timingSafeEqual(expected, b);
}

/** A per-process credential for the service's own client on the embedded broker (never written anywhere). */
export function internalBrokerCredentials(): { username: string; password: string } {
  return { username: 'catwatch-service', password: randomBytes(24).toString('base64url') };
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
      broker = await Aedes.createBroker({
        authenticate: (client, username, password, done) => {
          const isService = username === deps.service.username && sameSecret(deps.service.password, password);
          const isUser = secured && username === deps.username && sameSecret(deps.password ?? '', password);
          if (isService || isUser) writers.add(client);
          // With credentials configured, everyone needs them; without, anonymous clients may connect (to read).
          done(null, isService || isUser || !secured);
        },
        authorizePublish: (client, packet, done) => {
          if (!client || writers.has(client) || anonymousMayPublish(deps.acl, packet.topic, packet.retain)) return done(null);
          log.warn({ clientId: client.id, topic: bounded(packet.topic) }, 'mqtt publish refused: anonymous clients may not publish there');
          done(new Error('not authorised'));
        },
      });
      // One client's error must never take the broker (and the service) down.
      broker.on('clientError', (client, err) => log.debug({ clientId: client.id, err: err.message }, 'mqtt client error'));
      broker.on('connectionError', (_client, err) => log.debug({ err: err.message }, 'mqtt connection error'));
      const srv = createServer(broker.handle);
      server = srv;
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(deps.port, deps.host, () => {
          srv.off('error', reject);
          resolve();
        });
      }).catch((err: NodeJS.ErrnoException) => {
        throw new CatwatchError('E_BROKER_INSECURE', `embedded broker cannot listen on ${deps.host}:${deps.port}: ${err.code ?? err.message}; set mqtt.embedded.port or mqtt.url`, { cause: err });
      });
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
