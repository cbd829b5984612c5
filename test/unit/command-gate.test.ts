import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bounded, createCommandGate, MAX_COMMAND_BYTES } from '../../src/publish/command-gate.js';

test('command gate: retained and oversized commands are refused, each topic is rate-limited, refusals are counted', () => {
  let clock = 0;
  const gate = createCommandGate(() => clock);
  const small = Buffer.from('{}');
  assert.equal(gate.check('cw/train/set', small, true), 'retained', 'a retained command would run again at every reconnect');
  assert.equal(gate.check('cw/samples/set', Buffer.alloc(MAX_COMMAND_BYTES + 1), false), 'too-large');
  const results = Array.from({ length: 12 }, () => gate.check('cw/samples/set', small, false));
  assert.deepEqual(results.filter((r) => r === undefined).length, 10, 'a burst of 10 passes');
  assert.equal(results.at(-1), 'rate-limited');
  assert.equal(gate.check('cw/train/set', small, false), undefined, 'topics have their own budget');
  clock += 3000;
  assert.equal(gate.check('cw/samples/set', small, false), undefined, 'refilled, one a second');
  assert.deepEqual(gate.refused(), { retained: 1, 'too-large': 1, 'rate-limited': 2 });
  assert.equal(bounded('x'.repeat(10)), 'x'.repeat(10));
  assert.equal(bounded('x'.repeat(1000)).length < 240, true);
});
