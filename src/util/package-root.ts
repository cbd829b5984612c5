/** The installed package's root folder (holds package.json and the bundled models), wherever dist/ was built to. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'catwatch') return (cached = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error('catwatch package.json not found above the running code');
    dir = parent;
  }
}

/** Models trained on the development photos and shipped with the package (`models/<backbone id>/`). */
export function bundledModelsDir(): string {
  return join(packageRoot(), 'models');
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/** The web UI's page assets (`static/`: plain ES modules and CSS, served as they are). */
export function staticAssetsDir(): string {
  return join(packageRoot(), 'static');
}
