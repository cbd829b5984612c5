import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLatestSlot } from '../../src/util/latest-slot.js';

test('take returns a value put earlier', async () => {
  const slot = createLatestSlot<number>();
  slot.put(1);
  assert.equal(await slot.take(), 1);
  assert.equal(slot.dropped(), 0);
});

test('the newest value wins and replaced values count as dropped', async () => {
  const slot = createLatestSlot<number>();
  slot.put(1);
  slot.put(2);
  slot.put(3);
  assert.equal(await slot.take(), 3);
  assert.equal(slot.dropped(), 2);
  slot.put(4);
  assert.equal(await slot.take(), 4);
  assert.equal(slot.dropped(), 2);
});

test('take waits for the next put, which is then not a drop', async () => {
  const slot = createLatestSlot<string>();
  const pending = slot.take();
  setTimeout(() => slot.put('a'), 5);
  assert.equal(await pending, 'a');
  assert.equal(slot.dropped(), 0);
  slot.put('b');
  assert.equal(await slot.take(), 'b');
});

test('close wakes a waiting take with undefined and ignores later puts', async () => {
  const slot = createLatestSlot<number>();
  const pending = slot.take();
  slot.close();
  assert.equal(await pending, undefined);
  slot.put(1);
  assert.equal(await slot.take(), undefined);
  assert.equal(slot.dropped(), 0);
});

test('an aborted take resolves undefined and does not swallow the next value', async () => {
  const slot = createLatestSlot<number>();
  const ac = new AbortController();
  const pending = slot.take(ac.signal);
  ac.abort();
  assert.equal(await pending, undefined);
  slot.put(7);
  assert.equal(await slot.take(), 7);
  assert.equal(await slot.take(AbortSignal.abort()), undefined);
});
