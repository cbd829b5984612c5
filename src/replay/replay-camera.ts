/** The camera whose settings a replay uses: a named one, else the first configured, else the defaults. */
import { parseConfig } from '../config/load-config.js';
import type { CameraConfig, Config } from '../config/schema.js';
import { CatwatchError } from '../util/errors.js';

export function replayCamera(config: Config, name?: string): CameraConfig {
  if (name) {
    const camera = config.cameras.find((c) => c.name === name);
    if (!camera) throw new CatwatchError('E_USAGE', `--camera ${name}: no such camera in the config (${config.cameras.map((c) => c.name).join(', ') || 'none'})`);
    return camera;
  }
  return config.cameras[0] ?? parseConfig({ cameras: [{ name: 'replay', url: 'replay.mp4' }] }, { baseDir: process.cwd(), env: {} }).cameras[0];
}
