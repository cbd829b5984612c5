/**
 * One model version as one file, the artefact the fleet moves around: `<prefix>/models/<version>.json` holding
 * `{format, manifest, head, files}` (files: the text files saved with the version, e.g. report.html). A node installs
 * it with the registry's own atomic save and makes it current the way `catwatch models use` does.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { isManifest } from '../model/manifest.js';
import type { Registry } from '../registry/registry.js';
import { CatwatchError } from '../util/errors.js';

const BUNDLE_FORMAT = 'catwatch-model/1';
/** Text files of a version folder carried in the bundle besides manifest.json and head.json. */
const EXTRA_FILE = /^[\w.-]+\.(html|txt|md)$/;

const bundleSchema = z.strictObject({
  format: z.literal(BUNDLE_FORMAT),
  manifest: z.unknown(),
  head: z.unknown(),
  files: z.record(z.string().regex(EXTRA_FILE), z.string()),
});

/** The bundle bytes of a version in `registry`. */
export function packModelVersion(registry: Registry, version: string): Buffer {
  const model = registry.load(version);
  const files = Object.fromEntries(readdirSync(model.dir).filter((f) => EXTRA_FILE.test(f)).map((f) => [f, readFileSync(join(model.dir, f), 'utf8')]));
  return Buffer.from(JSON.stringify({ format: BUNDLE_FORMAT, manifest: model.manifest, head: model.head, files }));
}

/**
 * Installs the bundle at `path` as `expectedVersion` (saved atomically unless the registry has it already) and makes
 * it current. Throws E_MODEL_INVALID, installing nothing, when the file is not a bundle of that version.
 */
export function installModelBundle(registry: Registry, path: string, expectedVersion: string, backboneId?: string): void {
  let bundle: z.infer<typeof bundleSchema>;
  try {
    bundle = bundleSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch (err) {
    throw new CatwatchError('E_MODEL_INVALID', `${path} is not a catwatch model bundle (${BUNDLE_FORMAT}): ${(err as Error).message.slice(0, 300)}`, { cause: err });
  }
  const { manifest } = bundle;
  if (!isManifest(manifest)) throw new CatwatchError('E_MODEL_INVALID', `${path}: the bundle's manifest lacks version, threshold or backbone`);
  if (manifest.version !== expectedVersion) {
    throw new CatwatchError('E_MODEL_INVALID', `${path} holds model version ${manifest.version}, but the pointer names ${expectedVersion}: nothing installed`);
  }
  // A model of another backbone would be "current" while the scorer silently keeps the bundled one.
  if (backboneId !== undefined && manifest.backbone.id !== backboneId) {
    throw new CatwatchError('E_FLEET_BACKBONE', `model ${expectedVersion} was trained on ${manifest.backbone.id}, but this node runs ${backboneId} (model.backbone): nothing installed`);
  }
  const exists = registry.list().some((m) => m.version === expectedVersion);
  if (!exists) registry.save(manifest, bundle.head, bundle.files);
  registry.use(expectedVersion);
}

