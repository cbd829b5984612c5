/**
 * Regression clips in the training gate, end to end with the CLI: `<dataDir>/clips/labels.yml` names clips of the
 * user's camera. The current model is made strict on disk (its threshold raised to 0.9999: it raises no event on
 * any clip); the demo cat clip is labelled as a view where no target is expected, so any event a candidate raises
 * there is a false event. The candidate therefore raises more false events than the current model: refused, with
 * the reason in the decision and the figures in its metrics; `--force` still makes it current.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturesDir, skipWithoutShared, videoDir } from '../helpers/paths.js';
import { modelsList, trainCli, weakModelSetup } from '../helpers/training.js';

test('a candidate with more false events on the regression clips is refused; --force overrides', { skip: skipWithoutShared(), timeout: 300_000 }, async () => {
  const setup = await weakModelSetup('cw-clipgate-');
  const manifestPath = join(setup.dataDir, 'models', setup.version, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { threshold: number };
  writeFileSync(manifestPath, JSON.stringify({ ...manifest, threshold: 0.9999 }));

  const clips = join(setup.dataDir, 'clips');
  mkdirSync(clips);
  copyFileSync(join(fixturesDir, 'demo-cat.mp4'), join(clips, 'demo-cat.mp4'));
  copyFileSync(join(videoDir, 'nocat_dashcam_highway_xuonestar.mp4'), join(clips, 'dashcam.mp4'));
  writeFileSync(join(clips, 'labels.yml'), 'demo-cat.mp4: []\ndashcam.mp4: []\nnot-there.mp4: [[1, 2]]\n');

  const refused = await trainCli(setup.cliConfig, ['--no-mined', '--no-shipped', '--reason', 'clip gate']);
  assert.equal(refused.accepted, false, refused.decision);
  assert.match(refused.decision, /more false events on the regression clips \(\d+ > 0\)/);
  assert.equal(refused.metrics.clipCount, 2, 'labelled clips that exist');
  assert.ok(refused.metrics.clipFalseEvents >= 1, JSON.stringify(refused.metrics));
  assert.equal(refused.metrics.baselineClipFalseEvents, 0);
  assert.equal((await modelsList(setup.cliConfig)).current, setup.version, 'the current model stays');

  const forced = await trainCli(setup.cliConfig, ['--no-mined', '--no-shipped', '--force', '--reason', 'clip gate forced']);
  assert.equal(forced.accepted, true);
  assert.match(forced.decision, /more false events on the regression clips.*\(forced current\)/);
  assert.equal((await modelsList(setup.cliConfig)).current, forced.version);
});
