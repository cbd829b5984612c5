/** Issue 3: `catwatch score --json` on 1,000 photos, with corrupt, empty and non-image files among them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { devDataDir, modelsMirrorDir, skipWithoutShared } from '../helpers/paths.js';

test('score --json on 1,000 photos: one line each, error lines for bad files, the run continues', { skip: skipWithoutShared() }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cw-score-'));
  const photos = join(dir, 'photos');
  mkdirSync(join(photos, 'cats'), { recursive: true });
  mkdirSync(join(photos, 'others'), { recursive: true });
  const cats = readdirSync(join(devDataDir, 'cat')).slice(0, 500);
  for (const f of cats) symlinkSync(join(devDataDir, 'cat', f), join(photos, 'cats', f));
  const others = ['dog', 'scene', 'object'].flatMap((sub) => readdirSync(join(devDataDir, 'notcat', sub)).slice(0, 167).map((f) => join(devDataDir, 'notcat', sub, f)));
  for (const f of others.slice(0, 500)) symlinkSync(f, join(photos, 'others', f.split('/').pop() as string));
  const bad = {
    'corrupt.jpg': readFileSync(join(devDataDir, 'cat', cats[0])).subarray(0, 600),
    'empty.jpg': Buffer.alloc(0),
    'notes.txt': Buffer.from('not an image\n'),
  };
  for (const [name, data] of Object.entries(bad)) writeFileSync(join(photos, name), data);

  const dataDir = join(dir, 'data');
  const pull = await runCli(['models', 'pull', 'mobilenetv2-12-int8', '--from', modelsMirrorDir, '--data-dir', dataDir]);
  assert.equal(pull.code, 0, pull.stderr);
  const r = await runCli(['score', '--json', '--data-dir', dataDir, photos], { timeoutMs: 240_000 });
  assert.equal(r.code, 1, 'exit 1: some files could not be scored');
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { path: string; score?: number; label?: string; error?: string });
  assert.equal(lines.length, 1003);
  const errors = lines.filter((l) => l.error);
  assert.deepEqual(errors.map((l) => l.path.split('/').pop()).sort(), ['corrupt.jpg', 'empty.jpg', 'notes.txt']);
  const scored = lines.filter((l) => l.score !== undefined);
  assert.ok(scored.every((l) => l.score! >= 0 && l.score! <= 1 && (l.label === 'cat' || l.label === 'notcat')));
  const catHits = scored.filter((l) => l.path.includes('/cats/') && l.label === 'cat').length;
  const otherHits = scored.filter((l) => l.path.includes('/others/') && l.label === 'cat').length;
  assert.ok(catHits >= 450, `${catHits} of 500 cats labelled cat`);
  assert.ok(otherHits <= 25, `${otherHits} of 500 non-cats labelled cat`);
});
