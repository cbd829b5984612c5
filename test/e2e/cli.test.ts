import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { repoRoot } from '../helpers/paths.js';

const SUBCOMMANDS = ['run', 'score', 'replay', 'train', 'eval', 'models', 'samples', 'doctor', 'config'];

test('catwatch --help lists every subcommand', async () => {
  const r = await runCli(['--help']);
  assert.equal(r.code, 0);
  for (const name of SUBCOMMANDS) assert.match(r.stdout, new RegExp(`^  ${name} `, 'm'));
});

test('every subcommand has --help', async () => {
  for (const name of SUBCOMMANDS) {
    const r = await runCli([name, '--help']);
    assert.equal(r.code, 0, `${name} --help: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`catwatch ${name}`), name);
  }
});

test('an unknown command or option is a usage error (exit 2)', async () => {
  assert.equal((await runCli(['frobnicate'])).code, 2);
  const r = await runCli(['config', 'check', '--bogus']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /E_USAGE/);
});

test('config check passes on the example config', async () => {
  const r = await runCli(['config', 'check', '--config', join(repoRoot, 'config', 'catwatch.yml')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /OK/);
});

test('config check on a broken file exits 2 naming every bad key, without a stack trace', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cw-cfg-'));
  const file = join(dir, 'bad.yml');
  writeFileSync(file, ['cameras:', '  - name: ok', '    url: rtsp://cam/1', '  - name: yard', '    url: http://cam/2', '    detectFps: -3', 'mqtt:', '  prot: 1883', 'dataDri: /x', ''].join('\n'));
  const r = await runCli(['config', 'check', '--config', file]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /cameras\[1\]\.url: expected an rtsp:\/\/, rtsps:\/\/ or file URL/);
  assert.match(r.stderr, /cameras\[1\]\.detectFps/);
  assert.match(r.stderr, /mqtt\.prot: unknown key/);
  assert.match(r.stderr, /dataDri: unknown key/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

test('invalid YAML and a missing file are configuration errors (exit 2)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cw-cfg-'));
  const file = join(dir, 'bad.yml');
  writeFileSync(file, 'cameras: [\n  name: x\n');
  const r = await runCli(['config', 'check', '--config', file]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /E_CONFIG_PARSE/);
  const missing = await runCli(['config', 'check', '--config', join(dir, 'nope.yml')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /E_CONFIG_NOT_FOUND/);
});

test('config show and YAML errors never print a secret: camera and broker URLs, passwords, the UI password hash', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cw-cfg-'));
  const secret = 'Sup3rS3cret';
  const good = join(dir, 'good.yml');
  writeFileSync(good, [
    'cameras:', `  - name: door`, `    url: 'rtsp://admin:p@ss/${secret}@cam.lan/live'`, `  - name: gate`, `    url: 'rtsp://${secret}@cam2.lan/live'`,
    'mqtt:', `  url: 'mqtt://user:${secret}@127.0.0.1:1883'`, `  password: '${secret}'`,
    'http:', `  passwordHash: 'scrypt:${Buffer.from(secret).toString('base64')}:${Buffer.from(secret).toString('base64')}'`, '',
  ].join('\n'));
  const shown = await runCli(['config', 'show', '--config', good]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.ok(!shown.stdout.includes(secret) && !shown.stdout.includes(Buffer.from(secret).toString('base64')), shown.stdout);
  assert.match(shown.stdout, /rtsp:\/\/admin:\*\*\*@cam\.lan\/live/);
  const bad = join(dir, 'bad.yml');
  writeFileSync(bad, `cameras:\n  - name: door\n    url: rtsp://admin:${secret}@cam.lan/live\n    x: [1, 2\nmqtt: {}\n`);
  const r = await runCli(['config', 'check', '--config', bad]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /E_CONFIG_PARSE[\s\S]*line \d+, column \d+/);
  assert.ok(!r.stderr.includes(secret), r.stderr);
});

test('config show hides the fleet and inference-server secrets too: S3 keys (also by ${env:}), URLs with credentials', async () => {
  // Issue 27.1: config show printed these; secrets are now marked in the schema, and show redacts every marked one.
  const dir = mkdtempSync(join(tmpdir(), 'cw-cfg-'));
  const secret = 'Fl33tS3cret';
  const file = join(dir, 'fleet.yml');
  writeFileSync(file, [
    'model:', '  backbone: triton', '  triton:', `    url: 'http://infer:${secret}@gpu-1:8000'`,
    'fleet:', '  role: node', `  publicKey: ${join(dir, 'pub.pem')}`, '  s3:', `    endpoint: 'http://minio:${secret}@minio:9000'`, '    bucket: catwatch-fleet',
    `    accessKeyId: 'AKIA${secret}'`, '    secretAccessKey: ${env:S3SECRET}', '',
  ].join('\n'));
  const shown = await runCli(['config', 'show', '--config', file], { env: { S3SECRET: `top${secret}` } });
  assert.equal(shown.code, 0, shown.stderr);
  assert.ok(!shown.stdout.includes(secret), shown.stdout);
  const config = JSON.parse(shown.stdout) as { fleet: { s3: Record<string, string> }; model: { triton: { url: string } } };
  assert.equal(config.fleet.s3.secretAccessKey, '[redacted]');
  assert.equal(config.fleet.s3.accessKeyId, '[redacted]');
  assert.match(config.model.triton.url, /^http:\/\/infer:\*\*\*@gpu-1:8000/);
  assert.equal(config.fleet.s3.bucket, 'catwatch-fleet', 'what is not secret stays readable');
});

test('a fleet node does not train locally unless told (issue 27.9): catwatch train names why, exit 2', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cw-cfg-'));
  const file = join(dir, 'node.yml');
  const base = ['fleet:', '  role: node', `  publicKey: ${join(dir, 'pub.pem')}`, '  s3:', "    endpoint: 'http://minio:9000'", '    bucket: catwatch-fleet', '    accessKeyId: a', '    secretAccessKey: b'];
  writeFileSync(file, [`dataDir: ${join(dir, 'data')}`, ...base, ''].join('\n'));
  const r = await runCli(['train', '--config', file]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /E_USAGE.*follows the fleet trainer's model \(fleet\.role: node\).*fleet\.trainLocally/);
});

test('config check rejects what run would crash on: duplicate camera names, a file URL with a host, control characters', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cw-cfg-'));
  const file = join(dir, 'c.yml');
  writeFileSync(file, 'cameras:\n  - name: a\n    url: rtsp://h/x\n  - name: a\n    url: file://nas/clip.mp4\n  - name: b\n    url: "rtsp://h/x\\0y"\n');
  const r = await runCli(['config', 'check', '--config', file]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /cameras\[1\]\.name: duplicate camera name a/);
  assert.match(r.stderr, /cameras\[1\]\.url: a file URL must be file:\/\/\/absolute\/path/);
  assert.match(r.stderr, /cameras\[2\]\.url: contains a control character/);
});

test('config schema prints a JSON schema', async () => {
  const r = await runCli(['config', 'schema']);
  assert.equal(r.code, 0);
  const schema = JSON.parse(r.stdout) as { properties: Record<string, unknown> };
  assert.ok(schema.properties.cameras);
});
