import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig, parseConfig, formatConfigPath } from '../../src/config/load-config.js';
import { configJsonSchema } from '../../src/config/schema.js';
import { diffConfig } from '../../src/config/config-diff.js';
import { CatwatchError } from '../../src/util/errors.js';
import { repoRoot } from '../helpers/paths.js';

function errorsOf(raw: unknown): string[] {
  try {
    parseConfig(raw, { baseDir: '/etc/catwatch', env: {} });
  } catch (err) {
    assert.ok(err instanceof CatwatchError);
    assert.equal(err.code, 'E_CONFIG_INVALID');
    assert.equal(err.exitCode, 2);
    return [...err.details];
  }
  assert.fail('expected the config to be rejected');
}

test('the example config is valid and fills defaults', () => {
  const config = loadConfig(join(repoRoot, 'config', 'catwatch.yml'), {});
  assert.equal(config.mqtt.baseTopic, 'catwatch');
  assert.equal(config.cameras[0].ffmpeg.rtspTransport, 'tcp');
  assert.ok(Object.isFrozen(config.cameras[0]));
  // relative paths resolve against the config file's folder
  assert.equal(config.dataDir, join(repoRoot, '.catwatch-data'));
});

test('every bad key is named with its exact path', () => {
  const details = errorsOf({
    cameras: [{ name: 'ok', url: 'rtsp://h/x' }, { name: 'Bad Name', url: 'http://h/x', detectFps: 0 }],
    mqtt: { prot: 1, baseTopic: 'a/#' },
    train: { schedule: 'sometimes' },
  });
  const joined = details.join('\n');
  assert.match(joined, /^cameras\[1\]\.name: /m);
  assert.match(joined, /^cameras\[1\]\.url: expected an rtsp:\/\/, rtsps:\/\/ or file URL/m);
  assert.match(joined, /^cameras\[1\]\.detectFps: /m);
  assert.match(joined, /^mqtt\.prot: unknown key/m);
  assert.match(joined, /^mqtt\.baseTopic: must not contain MQTT wildcards/m);
  assert.match(joined, /^train\.schedule: expected off, @hourly/m);
  assert.equal(details.length, 6);
});

test('unknown top-level keys are errors, not ignored', () => {
  assert.deepEqual(errorsOf({ camera: [] }), ['camera: unknown key (check the spelling)']);
});

test('environment variables override secrets', () => {
  const config = parseConfig({ mqtt: { url: 'mqtt://b:1883', password: 'in-file' } }, {
    baseDir: '/',
    env: { CATWATCH_MQTT_PASSWORD: 'from-env', CATWATCH_MQTT_USERNAME: 'cw' },
  });
  assert.equal(config.mqtt.password, 'from-env');
  assert.equal(config.mqtt.username, 'cw');
});

test('the JSON schema carries defaults and descriptions and forbids unknown keys', () => {
  const schema = configJsonSchema() as { additionalProperties: boolean; properties: Record<string, { description?: string; default?: unknown }> };
  assert.equal(schema.additionalProperties, false);
  assert.equal(schema.properties.dataDir.default, '/var/lib/catwatch');
  assert.match(schema.properties.dataDir.description ?? '', /State folder/);
});

test('config paths are formatted like cameras[1].url', () => {
  assert.equal(formatConfigPath(['cameras', 1, 'url']), 'cameras[1].url');
  assert.equal(formatConfigPath([]), '(top level)');
});

test('config diff separates live changes from restart-required ones', () => {
  const a = parseConfig({ train: { request: 'a' } }, { baseDir: '/', env: {} });
  const b = parseConfig({ train: { request: 'b' }, mqtt: { baseTopic: 'x' } }, { baseDir: '/', env: {} });
  const diff = diffConfig(a, b);
  assert.deepEqual(diff.changed.sort(), ['mqtt.baseTopic', 'train.request']);
  assert.deepEqual(diff.restartRequired, ['mqtt']);
});
