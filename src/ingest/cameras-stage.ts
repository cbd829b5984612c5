/**
 * All cameras' ingest: one supervised ffmpeg per enabled camera. A config reload starts added cameras, stops
 * removed ones and restarts changed ones; the others keep streaming. A camera's failure stays its own.
 */
import { isDeepStrictEqual } from 'node:util';
import type { CameraConfig, Config } from '../config/schema.js';
import type { Logger } from '../util/log.js';
import { createCameraIngest, type CameraIngest, type CameraStatus } from './camera-ingest.js';
import type { Frame } from './frame.js';

export interface CamerasStageDeps {
  config: () => Config;
  log: Logger;
  onFrame: (frame: Frame) => void;
  onStatus?: (camera: string, status: CameraStatus) => void;
  ffmpegPath?: string;
}

export function createCamerasStage(deps: CamerasStageDeps) {
  const running = new Map<string, { camera: CameraConfig; ingest: CameraIngest }>();

  function startCamera(camera: CameraConfig): void {
    const ingest = createCameraIngest({
      camera,
      log: deps.log,
      onFrame: deps.onFrame,
      onStatus: (status) => deps.onStatus?.(camera.name, status),
      ffmpegPath: deps.ffmpegPath,
    });
    running.set(camera.name, { camera, ingest });
    ingest.start();
  }

  async function stopCamera(name: string): Promise<void> {
    const entry = running.get(name);
    running.delete(name);
    await entry?.ingest.stop();
  }

  return {
    name: 'cameras',
    critical: true,
    livePaths: ['cameras'],
    async start() {
      for (const camera of deps.config().cameras) if (camera.enabled) startCamera(camera);
    },
    async stop() {
      await Promise.all([...running.keys()].map(stopCamera));
    },
    async applyConfig(next: Config) {
      const wanted = new Map(next.cameras.filter((c) => c.enabled).map((c) => [c.name, c]));
      for (const [name, entry] of [...running]) {
        const w = wanted.get(name);
        if (!w || !isDeepStrictEqual(w, entry.camera)) {
          deps.log.info({ camera: name, reason: w ? 'changed' : 'removed' }, 'camera stopping for config change');
          await stopCamera(name);
        }
      }
      for (const [name, camera] of wanted) if (!running.has(name)) startCamera(camera);
    },
    stats() {
      return new Map([...running].map(([name, e]) => [name, e.ingest.stats()]));
    },
  };
}
