/**
 * docs/architecture.md names the stages and files of the pipeline; a rename that leaves the design page behind makes
 * it lie. Every `src/...` path it names must exist, and every bare `name.ts` it names must be a file somewhere in src.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../helpers/paths.js';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : [e.name]));
}

test('every stage folder and source file docs/architecture.md names exists in src', () => {
  const doc = readFileSync(join(repoRoot, 'docs', 'architecture.md'), 'utf8');
  const paths = [...doc.matchAll(/`(src\/[^`\s]+)`/g)].map((m) => m[1].replace(/\/$/, ''));
  assert.ok(paths.length >= 10, `${paths.length} src paths named`);
  assert.deepEqual(paths.filter((p) => !existsSync(join(repoRoot, p))), [], 'named in the design page, absent from the repository');
  const files = new Set(sourceFiles(join(repoRoot, 'src')));
  const names = [...new Set([...doc.matchAll(/`([a-z0-9-]+\.ts)`/g)].map((m) => m[1]))];
  assert.deepEqual(names.filter((n) => !files.has(n)), [], 'file names in the design page that no file in src has');
  for (const stage of ['ingest', 'motion', 'score', 'events', 'publish', 'mine', 'train', 'registry', 'fleet', 'web']) {
    assert.ok(doc.includes(`\`src/${stage}\``) || doc.includes(`**${stage}**`), `the ${stage} stage is described`);
  }
});
