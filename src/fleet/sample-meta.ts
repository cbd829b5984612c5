/** The metadata object stored next to every fleet sample crop (`<prefix>/samples/<sha256>.json`). */
import { z } from 'zod';

export const FLEET_LABELS = ['negative', 'positive'] as const;

export const fleetSampleMetaSchema = z.strictObject({
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  node: z.string().min(1).max(64),
  camera: z.string().min(1).max(63),
  label: z.enum(FLEET_LABELS),
  capturedAtMs: z.number().int().nonnegative(),
  backboneId: z.string().nullable(),
  score: z.number(),
});

export type FleetSampleMeta = z.infer<typeof fleetSampleMetaSchema>;

export const samplesKeyPart = 'samples/';
