/**
 * What `npm pack` puts in the tarball a user installs (`npm install -g catwatch-<version>.tgz`): the built CLI and
 * every file it opens at run time (bundled models with their shipped datasets, the web UI's static files, the
 * systemd units, the demo config and its clip, the photo `catwatch doctor` scores), and none of the tests, benches,
 * TypeScript sources or development data. Asked of npm itself (`npm pack --dry-run --json`), so the `files` list in
 * package.json is what is checked, not a copy of it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/paths.js';

interface PackEntry { path: string; size: number; mode: number }

function packedFiles(): PackEntry[] {
  // --ignore-scripts: prepack would rebuild dist/ under the running suite; npm test has just built it.
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return (JSON.parse(out) as Array<{ files: PackEntry[] }>)[0].files;
}

test('the packed package holds the CLI and everything it opens at run time, and nothing for development', () => {
  const files = packedFiles();
  const paths = new Set(files.map((f) => f.path));
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  for (const bin of Object.values(pkg.bin)) assert.ok(paths.has(bin), `the bin ${bin}`);
  assert.ok(paths.has('dist/src/main.js'));
  for (const model of readdirSync(join(repoRoot, 'models'))) {
    for (const file of ['head.json', 'manifest.json', 'dataset.bin']) assert.ok(paths.has(`models/${model}/${file}`), `models/${model}/${file}`);
  }
  for (const file of readdirSync(join(repoRoot, 'static'))) assert.ok(paths.has(`static/${file}`), `static/${file}`);
  for (const file of ['systemd/catwatch.service', 'systemd/catwatch@.service', 'config/catwatch.yml', 'test/fixtures/demo-cat.mp4', 'test/fixtures/chelsea.png', 'README.md']) {
    assert.ok(paths.has(file), file);
  }
  const unwanted = files.filter((f) => /^(src|bench|scripts|\.ci|node_modules|dist\/test|dist\/bench)\/|^test\/(unit|integration|e2e|helpers)\/|\.ts$(?<!\.d\.ts)/.test(f.path));
  assert.deepEqual(unwanted.map((f) => f.path), [], 'development files in the package');
  const bytes = files.reduce((sum, f) => sum + f.size, 0);
  assert.ok(bytes < 16 * 1024 * 1024, `${bytes} bytes unpacked`);
});
