import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfigText } from '../../src/config/load-config.js';
import { CatwatchError } from '../../src/util/errors.js';

const yaml = (url: string, mqtt = 'mqtt://127.0.0.1:1883'): string => `cameras:\n  - name: yard\n    url: "${url}"\nmqtt:\n  url: "${mqtt}"\n`;

test('secret references: ${env:}, ${file:} and ${credential:} resolve; inside a URL the secret is percent-encoded', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cw-secrets-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'yard'), 'p@ss/w:rd\n', { mode: 0o600 });
  writeFileSync(join(dir, 'broker-url'), 'mqtts://catwatch:b%40d@broker:8883\n');
  const env = { YARD_PASSWORD: 'a@b/c', CREDENTIALS_DIRECTORY: dir };
  const path = join(dir, 'catwatch.yml');

  const fromEnv = parseConfigText(yaml('rtsp://viewer:${env:YARD_PASSWORD}@cam.local/live'), path, env);
  assert.equal(fromEnv.cameras[0].url, 'rtsp://viewer:a%40b%2Fc@cam.local/live');
  const fromFile = parseConfigText(yaml(`rtsp://viewer:\${file:${join(dir, 'yard')}}@cam.local/live`), path, env);
  assert.equal(fromFile.cameras[0].url, 'rtsp://viewer:p%40ss%2Fw%3Ard@cam.local/live');
  const whole = parseConfigText(yaml('rtsp://cam/x', '${credential:broker-url}'), path, env);
  assert.equal(whole.mqtt.url, 'mqtts://catwatch:b%40d@broker:8883', 'a whole-value reference is taken as it is');
});

test('secret references: a missing or unreadable secret is a config error that names the key and the reference, never a value', () => {
  const path = '/etc/catwatch/catwatch.yml';
  const cases: Array<[string, Record<string, string>, RegExp]> = [
    [yaml('rtsp://viewer:${env:NOPE}@cam/x'), {}, /cameras\[0\]\.url: \$\{env:NOPE\} is not set in the environment/],
    [yaml('rtsp://viewer:${file:relative/pw}@cam/x'), {}, /\$\{file:relative\/pw\} must name an absolute path/],
    [yaml('rtsp://viewer:${file:/nonexistent/pw}@cam/x'), {}, /\$\{file:\/nonexistent\/pw\} cannot be read \(ENOENT\)/],
    [yaml('rtsp://viewer:${credential:yard}@cam/x'), {}, /needs \$CREDENTIALS_DIRECTORY/],
    [yaml('rtsp://viewer:${credential:../etc/shadow}@cam/x'), { CREDENTIALS_DIRECTORY: '/run/credentials/catwatch.service' }, /is not a valid credential name/],
  ];
  for (const [text, env, message] of cases) {
    assert.throws(() => parseConfigText(text, path, { ...env, OTHER: 'hunter2' }), (err: unknown) => {
      assert.ok(err instanceof CatwatchError && err.code === 'E_CONFIG_INVALID');
      assert.match(err.message, message);
      assert.doesNotMatch(err.message, /hunter2/);
      return true;
    });
  }
});

test('secret references: a FIFO or a device is refused at once, a large file by its size (issue 27.10: /dev/zero read without end)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cw-secrets-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const fifo = join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const big = join(dir, 'big');
  writeFileSync(big, 'x'.repeat(100_000));
  const cases: Array<[string, RegExp]> = [
    [fifo, /\$\{file:[^}]*fifo\} is not a regular file/],
    ['/dev/zero', /\$\{file:\/dev\/zero\} is not a regular file/],
    [big, /is over \d+ bytes/],
  ];
  for (const [file, message] of cases) {
    assert.throws(() => parseConfigText(yaml(`rtsp://viewer:\${file:${file}}@cam/x`), '/etc/catwatch/catwatch.yml', {}), (err: unknown) => {
      assert.ok(err instanceof CatwatchError && err.code === 'E_CONFIG_INVALID', String(err));
      assert.match(err.message, message);
      return true;
    });
  }
});
