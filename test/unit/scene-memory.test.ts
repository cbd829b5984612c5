import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryFromJSON, memoryOffset, memoryToJSON } from '../../src/model/scene-memory.js';
import { fitSceneMemory } from '../../src/train/fit-memory.js';
import type { CoordSample } from '../../src/train/coord-sample.js';

const sample = (coords: number[], label: 0 | 1, source: string): CoordSample => ({ coords: Float32Array.from(coords), prior: 0.5, label, subcategory: label ? 'positive' : 'mined', source });

test('the scene memory lowers scores only near remembered frames, and keeps its radius far from known cats', () => {
  const mined = [sample([0, 0], 0, 'mined'), sample([1, 0], 0, 'mined')];
  const cats = [sample([9, 0], 1, 'asirra'), sample([0, 12], 1, 'oxpet')];
  const memory = fitSceneMemory(mined, cats, 100);
  assert.ok(memory?.radii);
  assert.deepEqual([...memory.radii], [4.5, 4], 'each frame: half its own distance to the nearest cat (9 and 8)');
  assert.equal(memory.radius, 4.5, 'the largest radius');
  assert.ok(memoryOffset(memory, Float32Array.from([-4.4, 0])) < 0, 'the far frame covers 4.4 away from it');
  assert.equal(memoryOffset(memory, Float32Array.from([5, 0])), 0, 'the frame nearer a cat covers less (5 is 4 from it)');
  assert.equal(memoryOffset(memory, Float32Array.from([0, 0])), -memory.depthLogit, 'a remembered frame: the full depth');
  const halfway = memoryOffset(memory, Float32Array.from([0, memory.radius / 2]));
  assert.ok(halfway < 0 && halfway > -memory.depthLogit, `halfway: ${halfway}`);
  assert.equal(memoryOffset(memory, Float32Array.from([9, 0])), 0, 'a cat is outside the memory');
  assert.equal(fitSceneMemory(mined, cats, 1)?.radius, 1, 'never wider than the cap');
  const older = memoryFromJSON({ ...memoryToJSON(memory), radii: undefined, radius: 2 });
  assert.equal(older.radii, undefined, 'a model from before per-frame radii loads');
  assert.equal(memoryOffset(older, Float32Array.from([1, 1])), -older.depthLogit * (1 - 1 / 2), 'and uses its one radius');
  assert.throws(() => memoryFromJSON({ ...memoryToJSON(memory), radii: memoryToJSON({ ...memory, coords: new Float32Array(2), radii: new Float32Array(1) }).radii }), /one per frame/);
  const reloaded = memoryFromJSON(JSON.parse(JSON.stringify(memoryToJSON(memory))));
  assert.equal(memoryOffset(reloaded, Float32Array.from([0.5, 0.5])), memoryOffset(memory, Float32Array.from([0.5, 0.5])));
  assert.equal(fitSceneMemory([], cats, 100), undefined, 'nothing mined: no memory');
});
