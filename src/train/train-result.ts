/**
 * The training child's result: one JSON line on stdout of `catwatch train --json`. The CLI writes it, the service's
 * train supervisor reads it; both go through this schema, so the contract cannot drift.
 */
import { z } from 'zod';

export const trainResultSchema = z.object({
  version: z.string().min(1),
  accepted: z.boolean(),
  decision: z.string(),
  reasons: z.array(z.string()),
  /** JSON has no NaN: a metric that could not be computed (e.g. precision with no positive call) is null. */
  metrics: z.record(z.string(), z.number().nullable()),
  gate: z.unknown().optional(),
  counts: z.unknown(),
  threshold: z.number(),
  sourceSamples: z.record(z.string(), z.array(z.string())),
  failed: z.array(z.unknown()),
});

export type TrainResult = z.infer<typeof trainResultSchema>;

/** The result line for stdout (validated, so a broken writer fails in the child, not silently in the service). */
export function formatTrainResult(result: TrainResult | (Omit<TrainResult, 'metrics'> & { metrics: Record<string, number> })): string {
  const line = JSON.stringify(result);
  trainResultSchema.parse(JSON.parse(line));
  return `${line}\n`;
}

/** The result in the child's stdout (its last line), or undefined when there is none or it does not match. */
export function parseTrainResult(stdout: string): TrainResult | undefined {
  const line = stdout.trim().split('\n').pop() ?? '';
  if (!line) return undefined;
  try {
    const parsed = trainResultSchema.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Progress of a training child, sent over its IPC channel to the service (the /train page). */
export const trainProgressSchema = z.strictObject({
  type: z.literal('progress'),
  phase: z.string().max(32),
  done: z.number().finite().min(0),
  total: z.number().finite().min(0),
  loss: z.number().finite().optional(),
});

export type TrainProgressMessage = z.infer<typeof trainProgressSchema>;
