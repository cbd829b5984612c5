import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load-config.js';
import { redactConfig, REDACTED, secretPaths } from '../../src/config/redact-config.js';
import { configJsonSchema } from '../../src/config/schema.js';

/** Leaf paths of the config schema. */
function leaves(node: Record<string, unknown>, prefix = ''): string[] {
  const props = node.properties as Record<string, Record<string, unknown>> | undefined;
  const items = node.items as Record<string, unknown> | undefined;
  const branches = (node.anyOf ?? []) as Array<Record<string, unknown>>;
  if (!props && !items && branches.length === 0) return [prefix];
  return [
    ...Object.entries(props ?? {}).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k)),
    ...(items ? leaves(items, `${prefix}[]`) : []),
    ...branches.flatMap((b) => leaves(b, prefix)),
  ];
}

test('every setting that can hold a secret is marked in the schema (URLs, passwords, keys, the UI hash)', () => {
  const marked = new Set(secretPaths().map((p) => p.path));
  const candidates = leaves(configJsonSchema() as Record<string, unknown>).filter((p) => /(^|\.)(url|endpoint|password|passwordHash|accessKeyId|secretAccessKey)$/.test(p));
  assert.ok(candidates.length >= 8, candidates.join(', '));
  for (const path of candidates) assert.ok(marked.has(path), `${path} is not marked x-secret`);
  assert.deepEqual(
    [...marked].sort(),
    ['cameras[].url', 'fleet.s3.accessKeyId', 'fleet.s3.endpoint', 'fleet.s3.secretAccessKey', 'http.passwordHash', 'model.triton.url', 'mqtt.password', 'mqtt.url'],
  );
});

test('redactConfig hides marked values whole and the credentials of marked URLs, and leaves the rest', () => {
  const config = parseConfig({
    cameras: [{ name: 'door', url: 'rtsp://admin:hunter2@cam/live' }],
    mqtt: { url: 'mqtt://u:hunter2@broker:1883', password: 'hunter2', username: 'u' },
  }, { baseDir: '/', env: {} });
  const shown = JSON.stringify(redactConfig(config));
  assert.ok(!shown.includes('hunter2'), shown);
  const r = redactConfig(config) as { mqtt: { password: string; username: string }; cameras: Array<{ url: string; name: string }> };
  assert.equal(r.mqtt.password, REDACTED);
  assert.equal(r.mqtt.username, 'u');
  assert.equal(r.cameras[0].name, 'door');
  assert.match(r.cameras[0].url, /^rtsp:\/\/admin:\*\*\*@cam\/live$/);
});
