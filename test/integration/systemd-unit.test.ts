/**
 * The shipped unit and the one `catwatch service install` writes both pass `systemd-analyze verify` and score an
 * exposure of at most 2.0 in `systemd-analyze security --offline=true`. verify checks that ExecStart='s program
 * exists: the shipped unit names /usr/bin/node, so it is verified where that exists (else only scored); the
 * installed unit names this test's own node, so it is always verified.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cliPath, runCli } from '../helpers/cli.js';
import { repoRoot } from '../helpers/paths.js';
import { findProgram } from '../helpers/processes.js';

const MAX_EXPOSURE = 2.0;
const ANALYZE = findProgram('systemd-analyze', ['/usr/bin', '/bin']);
const skip = ANALYZE ? false : 'systemd-analyze not found: install Debian package systemd to check the unit file';
const shippedUnit = join(repoRoot, 'systemd', 'catwatch.service');

async function analyze(args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(ANALYZE as string, args, { timeout: 60_000 });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

async function exposure(unitPath: string): Promise<number> {
  const r = await analyze(['security', '--offline=true', '--no-pager', unitPath]);
  const m = /Overall exposure level for \S+: (\d+(?:\.\d+)?)/.exec(r.out);
  assert.ok(m, `no exposure figure in systemd-analyze security output:\n${r.out}`);
  return Number(m[1]);
}

async function assertVerifies(unitPath: string): Promise<void> {
  const r = await analyze(['verify', '--no-pager', unitPath]);
  assert.equal(r.code, 0, `systemd-analyze verify ${unitPath} failed:\n${r.out}`);
  assert.equal(r.out.trim(), '', `systemd-analyze verify warned:\n${r.out}`);
}

test('the shipped unit verifies and its exposure is at most 2.0', { skip }, async (t) => {
  const score = await exposure(shippedUnit);
  t.diagnostic(`exposure ${score}`);
  assert.ok(score <= MAX_EXPOSURE, `exposure ${score} > ${MAX_EXPOSURE}`);
  if (existsSync('/usr/bin/node')) await assertVerifies(shippedUnit);
  else t.diagnostic('/usr/bin/node absent: verify runs on the installed unit only');
});

test('service install --dry-run writes nothing; install writes the unit for this node and a config skeleton once', { skip }, async (t) => {
  const prefix = mkdtempSync(join(tmpdir(), 'cw-install-'));
  t.after(() => rmSync(prefix, { recursive: true, force: true }));
  const unitPath = join(prefix, 'etc', 'systemd', 'system', 'catwatch.service');
  const configPath = join(prefix, 'etc', 'catwatch', 'catwatch.yml');

  const dry = await runCli(['service', 'install', '--prefix', prefix, '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.match(dry.stdout, new RegExp(`would write ${unitPath}`));
  assert.match(dry.stdout, /\| ExecStart=\S+node \S+index\.js run/);
  assert.equal(existsSync(join(prefix, 'etc')), false, 'dry run wrote files');

  const r = await runCli(['service', 'install', '--prefix', prefix]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /systemctl daemon-reload/);
  assert.match(r.stdout, /systemctl enable --now catwatch\.service/);
  const unit = readFileSync(unitPath, 'utf8');
  const execStart = unit.split('\n').find((l) => l.startsWith('ExecStart='));
  assert.equal(execStart, `ExecStart=${process.execPath} ${cliPath} run`, 'ExecStart runs this installation with this node');
  assert.equal(statSync(configPath).mode & 0o777, 0o644);

  const check = await runCli(['config', 'check', '--config', configPath]);
  assert.equal(check.code, 0, `the skeleton is a valid config: ${check.stderr}`);

  await assertVerifies(unitPath);
  const score = await exposure(unitPath);
  t.diagnostic(`installed unit exposure ${score}`);
  assert.ok(score <= MAX_EXPOSURE, `exposure ${score} > ${MAX_EXPOSURE}`);

  const again = await runCli(['service', 'install', '--prefix', prefix]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /skipped .*catwatch\.yml \(exists/);
});

test('the template unit (catwatch@.service) is the shipped unit with per-instance paths, verifies and scores at most 2.0', { skip }, async (t) => {
  const template = readFileSync(join(repoRoot, 'systemd', 'catwatch@.service'), 'utf8');
  const shipped = readFileSync(shippedUnit, 'utf8');
  // Everything from [Unit] on is the shipped unit's, but for the lines that name the instance: no drift in hardening.
  const body = (text: string): string => text.slice(text.indexOf('[Unit]'));
  const perInstance: Array<[string, string]> = [
    ['Description=catwatch camera detection service (RTSP in, MQTT out)', 'Description=catwatch camera detection service, instance %i (RTSP in, MQTT out)'],
    ['StateDirectory=catwatch\n', 'StateDirectory=catwatch/%i\n'],
    ['Environment=CATWATCH_DATA_DIR=%S/catwatch\n', 'Environment=CATWATCH_DATA_DIR=%S/catwatch/%i\n'],
    ['Environment=CATWATCH_CONFIG=%E/catwatch/catwatch.yml\n', 'Environment=CATWATCH_CONFIG=%E/catwatch/%i.yml\n'],
    ['EnvironmentFile=-%E/catwatch/catwatch.env\n', 'EnvironmentFile=-%E/catwatch/%i.env\n'],
  ];
  assert.equal(body(template), perInstance.reduce((text, [from, to]) => text.replace(from, to), body(shipped)));

  const dir = mkdtempSync(join(tmpdir(), 'cw-template-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const instance = join(dir, 'catwatch@yard.service');
  writeFileSync(join(dir, 'catwatch@.service'), template);
  writeFileSync(instance, template);
  const score = await exposure(instance);
  t.diagnostic(`template instance exposure ${score}`);
  assert.ok(score <= MAX_EXPOSURE, `exposure ${score} > ${MAX_EXPOSURE}`);
  if (existsSync('/usr/bin/node')) await assertVerifies(instance);
});
