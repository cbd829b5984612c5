import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareClipFigures } from '../../src/replay/clip-gate.js';

const figures = (falseEvents: number, missedVisits: number) => ({ clips: 3, visits: 4, falseEvents, missedVisits });

test('a candidate must raise no more false events and miss no more visits than the current model', () => {
  assert.deepEqual(compareClipFigures(figures(1, 0), figures(1, 0)), []);
  assert.deepEqual(compareClipFigures(figures(0, 0), figures(2, 1)), []);
  assert.deepEqual(compareClipFigures(figures(2, 0), figures(1, 0)), ['more false events on the regression clips (2 > 1)']);
  assert.deepEqual(compareClipFigures(figures(1, 2), figures(1, 1)), ['more missed target visits on the regression clips (2 > 1)']);
  assert.deepEqual(compareClipFigures(figures(5, 5), null), [], 'no current model: nothing to compare with');
});
