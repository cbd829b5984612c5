import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configReferenceMarkdown } from '../../src/config/config-docs.js';
import { repoRoot } from '../helpers/paths.js';

test('the README config reference is the one generated from the schema (run `catwatch config docs` to refresh)', () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const start = '<!-- config-reference:start -->\n';
  const section = readme.slice(readme.indexOf(start) + start.length, readme.indexOf('<!-- config-reference:end -->'));
  assert.equal(section, configReferenceMarkdown());
});
