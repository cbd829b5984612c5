/**
 * Downloaded fleet samples as training items (`storeItems` of runTraining): one item per `<dir>/<label>/<sha>.jpg`
 * with its metadata, labelled as a person labelled it on its node. They train, but count as confirmed (the gate's
 * "your confirmed samples" check) only with `fleet.trustNodeLabels`: otherwise one compromised node, or the bucket
 * key, could poison both the model and the check meant to catch it. Each keeps its node and camera in its group.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import type { DataItem } from '../train/dataset.js';
import { fleetSamplesDir } from './sample-download.js';
import { FLEET_LABELS, fleetSampleMetaSchema } from './sample-meta.js';

/** The metadata beside a crop; undefined when missing or not JSON (that sample is left out, training goes on). */
function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

export function fleetSampleItems(dir: string, options: { trusted: boolean } = { trusted: false }): DataItem[] {
  return FLEET_LABELS.flatMap((label) => {
    const labelDir = join(dir, label);
    if (!existsSync(labelDir)) return [];
    return readdirSync(labelDir).filter((f) => /^[0-9a-f]{64}\.jpg$/.test(f)).sort().flatMap((file): DataItem[] => {
      const parsed = fleetSampleMetaSchema.safeParse(readJson(join(labelDir, file.replace(/\.jpg$/, '.json'))));
      if (!parsed.success) return [];
      const meta = parsed.data;
      const positive = meta.label === 'positive';
      return [{
        ref: join(labelDir, file), label: positive ? 1 : 0, kind: positive ? 'confirmed-positive' : 'mined', subcategory: positive ? 'positive' : 'mined',
        group: `fleet:${meta.node}:${meta.camera}:${meta.sha256.slice(0, 12)}`, capturedAtMs: meta.capturedAtMs, camera: `${meta.node}/${meta.camera}`, confirmed: options.trusted,
      }];
    });
  });
}

/** What a training run adds from the fleet: on the trainer, every downloaded sample; elsewhere nothing. */
export function fleetTrainingItems(config: Pick<Config, 'fleet' | 'dataDir'>): DataItem[] {
  return config.fleet?.role === 'trainer' ? fleetSampleItems(fleetSamplesDir(config.dataDir), { trusted: config.fleet.trustNodeLabels }) : [];
}
