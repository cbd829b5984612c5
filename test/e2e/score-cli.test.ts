/**
 * `catwatch score --json` on 1,003 files with every backbone, the files given one by one on the command line (250 or
 * more arguments used to kill ONNX Runtime's worker with SIGSEGV: see workerStackMb in src/score/score-pool.ts), with
 * corrupt, empty and non-image files among them: one line each, with the score's parts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { devDataDir, modelsMirrorDir, skipWithoutShared } from '../helpers/paths.js';

interface Line { path: string; score?: number; label?: string; prior?: number; head?: number; trust?: number; error?: string }

let photoList: string[] | undefined;

/** 500 cats, 500 others and 3 bad files, as a list of paths (made once). */
function photos(): string[] {
  if (photoList) return photoList;
  const dir = mkdtempSync(join(tmpdir(), 'cw-score-'));
  mkdirSync(join(dir, 'cats'), { recursive: true });
  mkdirSync(join(dir, 'others'), { recursive: true });
  const cats = readdirSync(join(devDataDir, 'cat')).filter((_, i) => i % 3 === 0).slice(0, 500);
  for (const f of cats) symlinkSync(join(devDataDir, 'cat', f), join(dir, 'cats', f));
  const others = ['dog', 'scene', 'object', 'person'].flatMap((sub) => readdirSync(join(devDataDir, 'notcat', sub)).slice(0, 125).map((f) => join(devDataDir, 'notcat', sub, f)));
  for (const f of others) symlinkSync(f, join(dir, 'others', f.split('/').pop() as string));
  const bad = {
    'corrupt.jpg': readFileSync(join(devDataDir, 'cat', cats[0])).subarray(0, 600),
    'empty.jpg': Buffer.alloc(0),
    'notes.txt': Buffer.from('not an image\n'),
  };
  for (const [name, data] of Object.entries(bad)) writeFileSync(join(dir, name), data);
  photoList = [...cats.map((f) => join(dir, 'cats', f)), ...others.map((f) => join(dir, 'others', f.split('/').pop() as string)), ...Object.keys(bad).map((n) => join(dir, n))];
  return photoList;
}

for (const backbone of ['objectron', 'mobilenetv2-12-int8', 'centernet'] as const) {
  test(`score --json on 1,003 files given as arguments (${backbone}): one line each, error lines for bad files, parts of every score`, { skip: skipWithoutShared(), timeout: 300_000 }, async () => {
    const files = photos();
    const dataDir = mkdtempSync(join(tmpdir(), 'cw-score-data-'));
    if (backbone === 'mobilenetv2-12-int8') {
      const pull = await runCli(['models', 'pull', backbone, '--from', modelsMirrorDir, '--data-dir', dataDir]);
      assert.equal(pull.code, 0, pull.stderr);
    }
    const config = join(dataDir, 'catwatch.yml');
    writeFileSync(config, `dataDir: ${dataDir}\nmodel:\n  backbone: ${backbone}\n`);
    const r = await runCli(['score', '--json', '--config', config, ...files], { timeoutMs: 280_000 });
    assert.equal(r.code, 1, `exit 1: some files could not be scored (signal: ${r.signal ?? 'none'}; stderr ${r.stderr.slice(-500)})`);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Line);
    assert.equal(lines.length, 1003);
    assert.deepEqual(lines.map((l) => l.path), files, 'one line per file, in argument order');
    assert.deepEqual(lines.filter((l) => l.error).map((l) => l.path.split('/').pop()).sort(), ['corrupt.jpg', 'empty.jpg', 'notes.txt']);
    const scored = lines.filter((l) => l.score !== undefined);
    for (const l of scored) {
      assert.ok(l.score! >= 0 && l.score! <= 1 && (l.label === 'cat' || l.label === 'notcat'), JSON.stringify(l));
      assert.ok(l.prior! >= 0 && l.prior! <= 1 && Number.isFinite(l.head) && l.trust! >= 0 && l.trust! <= 1, `parts: ${JSON.stringify(l)}`);
    }
    const catHits = scored.filter((l) => l.path.includes('/cats/') && l.label === 'cat').length;
    const otherHits = scored.filter((l) => l.path.includes('/others/') && l.label === 'cat').length;
    const minCats = backbone === 'centernet' ? 300 : 440;
    assert.ok(catHits >= minCats, `${catHits} of 500 cats labelled cat`);
    assert.ok(otherHits <= 25, `${otherHits} of 500 non-cats labelled cat`);
  });
}
