/**
 * The mining-rounds benchmark in its smoke mode (one round on two short clips): the whole loop — replay with
 * mining, labelling, retraining through the gate, replay again — runs end to end and reports every figure.
 * The measurement itself is `npm run bench -- mining-rounds`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sharedDir, skipWithoutShared } from '../helpers/paths.js';

const bench = fileURLToPath(new URL('../../bench/mining-rounds.js', import.meta.url));

interface Figures { falseEventsPerHour: number; recall: number; eventsByClip: Record<string, number> }
interface Round { round: number; mined: number; seen: Figures; unseen: Figures; trainingS: number; accepted: boolean | null }

test('mining-rounds --smoke: round 0 and one mining round with every figure', { skip: skipWithoutShared(), timeout: 240_000 }, async () => {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, [bench, '--smoke'], { env: { ...process.env, CATWATCH_SHARED_DIR: sharedDir }, timeout: 200_000, maxBuffer: 1 << 20 }, (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out)));
  });
  const rounds = stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Round);
  assert.deepEqual(rounds.map((r) => r.round), [0, 1]);
  for (const r of rounds) {
    for (const f of [r.seen, r.unseen]) {
      assert.ok(Number.isFinite(f.falseEventsPerHour) && f.falseEventsPerHour >= 0);
      assert.ok(f.recall >= 0 && f.recall <= 1);
      assert.equal(Object.keys(f.eventsByClip).length, 2, 'both clips replayed');
    }
  }
  assert.ok(rounds[1].trainingS > 0, 'round 1 retrained');
  assert.equal(typeof rounds[1].accepted, 'boolean');
  assert.match(stdout, /\| round \| samples mined \|/);
});
