/** Where tests find the repository and the shared test data (never committed: see docs/architecture.md, "Test bed"). */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRepoRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`package.json not found above ${start}`);
    dir = parent;
  }
  return dir;
}

export const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
/** `CATWATCH_SHARED_DIR` overrides the default `../shared` beside the repository. */
export const sharedDir = resolve(process.env.CATWATCH_SHARED_DIR ?? join(repoRoot, '..', 'shared'));
export const devDataDir = join(sharedDir, 'data', 'dev');
export const videoDir = join(sharedDir, 'data', 'video');
export const modelsMirrorDir = join(sharedDir, 'models');
export const fixturesDir = join(repoRoot, 'test', 'fixtures');

/**
 * For `test(name, { skip: skipWithoutShared() }, ...)`: a reason string when the shared data is absent on a developer
 * machine. Under CI (CI=true) missing data is an error, never a skip: a green CI must have run these tests.
 */
export function skipWithoutShared(): string | false {
  if (existsSync(devDataDir)) return false;
  const reason = `shared test data not found at ${sharedDir} (set CATWATCH_SHARED_DIR)`;
  if (process.env.CI === 'true') throw new Error(`${reason}; CI=true, so this fails instead of skipping`);
  return reason;
}
