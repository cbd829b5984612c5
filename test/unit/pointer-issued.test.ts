import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nextIssuedAtMs } from '../../src/fleet/model-publish.js';

test('pointer issuedAtMs only rises, across restarts, even when the trainer\'s clock goes back (issue 27.4)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cw-issued-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'fleet', 'last-issued.json');
  assert.equal(nextIssuedAtMs(path, 5_000_000), 5_000_000);
  // The clock was ahead and got corrected by an hour: the next pointer is still newer than the last.
  assert.equal(nextIssuedAtMs(path, 5_000_000 - 3_600_000), 5_000_001);
  assert.equal(nextIssuedAtMs(path, 9_000_000), 9_000_000);
  assert.equal(nextIssuedAtMs(path, 9_000_000), 9_000_001, 'two in the same millisecond differ');
});
