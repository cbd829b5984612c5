/**
 * `catwatch replay` end to end with the built CLI, the bundled model and real clips: the demo cat clip (labelled
 * from its frames: the cat is in view from 4 s to 9 s), a real no-cat clip from ../shared, and a file that is not
 * a video. Replayed twice: the same output both times.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { fixturesDir, skipWithoutShared, videoDir } from '../helpers/paths.js';

interface Summary { clip: string; frames: number; framesScored: number; events: number; error?: string; score: { visits: number; recall: number | null; falseEvents: number; falseEventsPerHour: number; timeToFirstDetectionS: number[] } | null }

test('replay: recall 1 and no false event on the cat clip, no event on a no-cat clip, a clear error for a broken file, the same twice', { skip: skipWithoutShared(), timeout: 180_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cw-replay-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const labels = join(dir, 'labels.yml');
  writeFileSync(labels, 'demo-cat.mp4: [[4, 9]]\nnocat_dashcam_highway_xuonestar.mp4: []\n');
  const broken = join(dir, 'broken.mp4');
  writeFileSync(broken, 'this is not a video\n'.repeat(100));
  const clips = [join(fixturesDir, 'demo-cat.mp4'), broken, join(videoDir, 'nocat_dashcam_highway_xuonestar.mp4')];
  const args = ['replay', '--data-dir', join(dir, 'data'), '--json', '--labels', labels, ...clips];

  const first = await runCli(args, { timeoutMs: 120_000 });
  assert.equal(first.code, 1, `a clip failed, so exit 1: ${first.stderr.slice(-2000)}`);
  const lines = first.stdout.trim().split('\n').map((l) => JSON.parse(l) as { summary?: Summary; type?: string; clip?: string });
  const summaries = lines.flatMap((l) => (l.summary ? [l.summary] : []));
  assert.deepEqual(summaries.map((s) => s.clip), ['demo-cat.mp4', broken, 'nocat_dashcam_highway_xuonestar.mp4'], 'the clip after the broken one still ran');

  const [cat, bad, nocat] = summaries;
  assert.equal(cat.events, 1);
  assert.equal(cat.score?.recall, 1);
  assert.equal(cat.score?.falseEvents, 0);
  assert.ok((cat.score?.timeToFirstDetectionS[0] ?? 99) < 2, JSON.stringify(cat.score));
  assert.equal(cat.frames, 70, '14 s at 5 fps');
  assert.match(bad.error ?? '', /broken\.mp4: cannot be decoded: /);
  assert.equal(nocat.events, 0);
  assert.deepEqual(nocat.score && [nocat.score.visits, nocat.score.falseEvents, nocat.score.recall], [0, 0, null]);
  const events = lines.filter((l) => l.type !== undefined);
  assert.deepEqual(events.map((e) => `${e.clip} ${e.type}`).filter((e) => !e.endsWith('update')), ['demo-cat.mp4 new', 'demo-cat.mp4 end']);

  const second = await runCli(args, { timeoutMs: 120_000 });
  assert.equal(second.stdout, first.stdout, 'a replay is deterministic');
});
