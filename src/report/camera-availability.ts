/**
 * Per-camera availability on MQTT: `<base>/<camera>/available` is `online` while the camera delivers frames and
 * `offline` while it is down (retained; ingest keeps retrying it meanwhile). The same rule as /healthz (health.ts),
 * checked every second; republished on every (re)connect; a camera removed from the config gets its topic cleared.
 */
import type { Config } from '../config/schema.js';
import type { MqttPublisher } from '../publish/mqtt-publisher.js';
import type { Logger } from '../util/log.js';

export interface CameraAvailabilityDeps {
  config: () => Config;
  publisher: MqttPublisher;
  /** Per enabled camera: delivering frames now. */
  camerasUp: () => Map<string, boolean>;
  log: Logger;
  checkIntervalMs?: number;
}

export function createCameraAvailability(deps: CameraAvailabilityDeps) {
  const log = deps.log.child({ component: 'availability' });
  const published = new Map<string, boolean>();
  let timer: NodeJS.Timeout | undefined;

  function publish(camera: string, up: boolean): void {
    deps.publisher.publishLatest(deps.publisher.topics.cameraAvailable(camera), up ? 'online' : 'offline', { retain: true, qos: 1 });
  }

  function check(): void {
    const now = deps.camerasUp();
    for (const [camera, up] of now) {
      if (published.get(camera) === up) continue;
      if (published.has(camera)) log.warn({ camera, up }, up ? 'camera is back' : 'camera is down');
      published.set(camera, up);
      publish(camera, up);
    }
    for (const camera of [...published.keys()]) {
      if (now.has(camera)) continue;
      published.delete(camera);
      deps.publisher.publishLatest(deps.publisher.topics.cameraAvailable(camera), '', { retain: true, qos: 1 });
    }
  }

  return {
    name: 'availability',
    critical: false,
    livePaths: ['cameras'],
    start() {
      deps.publisher.onConnect(() => {
        for (const [camera, up] of published) publish(camera, up);
      });
      check();
      timer = setInterval(check, deps.checkIntervalMs ?? 1000);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
    applyConfig: check,
    /** What was last published per camera. */
    state: (): ReadonlyMap<string, boolean> => published,
  };
}
