/** The multi-node example configs in examples/fleet stay valid: `catwatch config check` accepts each one. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { repoRoot } from '../helpers/paths.js';

const EXAMPLES = join(repoRoot, 'examples', 'fleet');

test('every examples/fleet config passes config check, with its secrets supplied as the example says', async (t) => {
  const credentials = mkdtempSync(join(tmpdir(), 'cw-creds-'));
  t.after(() => rmSync(credentials, { recursive: true, force: true }));
  for (const name of ['porch-password', 'yard-password', 'garage-password', 'mqtt-password']) writeFileSync(join(credentials, name), `pw-${name}\n`);
  const env = { CREDENTIALS_DIRECTORY: credentials, BARN_CAMERA_PASSWORD: 'barn-pw', CATWATCH_BROKER_PASSWORD: 'broker-pw' };
  const configs = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yml'));
  assert.ok(configs.length >= 3);
  const ids = new Set<string>();
  for (const file of configs) {
    const r = await runCli(['config', 'check', '--config', join(EXAMPLES, file)], { env });
    assert.equal(r.code, 0, `${file}: ${r.stderr}`);
    const shown = await runCli(['config', 'show', '--config', join(EXAMPLES, file)], { env });
    const id = (JSON.parse(shown.stdout) as { node: { id: string } }).node.id;
    assert.ok(!ids.has(id), `${file}: node id ${id} used twice`);
    ids.add(id);
  }
});
