import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trainOutcome } from '../../src/train/train-supervisor.js';
import { formatTrainResult, parseTrainResult, type TrainResult } from '../../src/train/train-result.js';

const result: TrainResult = {
  version: '20261202-0900', accepted: true, decision: 'current: not worse on any held-out source', reasons: [],
  metrics: { auroc: 0.99, priorAuroc: 0.98, junk: Number.NaN }, counts: {}, threshold: 0.5, sourceSamples: {}, failed: [],
};

test('exit 0 with a valid result line: complete when accepted, rejected when the gate kept the old model', () => {
  const line = formatTrainResult({ ...result, metrics: { auroc: 0.99, priorAuroc: 0.98 } });
  assert.deepEqual(trainOutcome({ code: 0, signal: null, stdout: `progress\n${line}`, stderr: '' }), {
    state: 'complete', version: '20261202-0900', message: result.decision, metrics: { auroc: 0.99, priorAuroc: 0.98 },
  });
  const rejected = formatTrainResult({ ...result, accepted: false, decision: 'rejected: worse on asirra', metrics: {} });
  assert.equal(trainOutcome({ code: 0, signal: null, stdout: rejected, stderr: '' }).state, 'rejected');
});

test('a non-zero exit, a signal or a missing or malformed result line is a failure with the reason', () => {
  assert.deepEqual(trainOutcome({ code: 1, signal: null, stdout: '', stderr: 'warn\nerror E_TRAIN_DATA: 12 positives, need 20\n' }), { state: 'failed', message: 'error E_TRAIN_DATA: 12 positives, need 20' });
  assert.deepEqual(trainOutcome({ code: null, signal: 'SIGKILL', stdout: '', stderr: '' }), { state: 'failed', message: 'exit SIGKILL' });
  assert.deepEqual(trainOutcome({ code: 0, signal: null, stdout: '{"version": 3}\n', stderr: '' }), { state: 'failed', message: 'no valid result line' });
  assert.deepEqual(trainOutcome({ code: 0, signal: null, stdout: 'not json', stderr: '' }), { state: 'failed', message: 'no valid result line' });
});

test('the result line writer refuses what the reader would not accept', () => {
  assert.throws(() => formatTrainResult({ ...result, version: '' }));
  assert.equal(parseTrainResult(formatTrainResult({ ...result, metrics: { auroc: 1 } }))?.version, result.version);
});
