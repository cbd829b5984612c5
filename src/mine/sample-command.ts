/**
 * The MQTT command `<base>/samples/set` with JSON `{ "id": 12, "label": "negative" }`: a person labels a mined
 * sample from Home Assistant, Node-RED or a script. A bad payload or an unknown id is logged and ignored; the
 * service keeps running.
 */
import { z } from 'zod';
import type { SampleSetPayload } from '../publish/topics.js';
import type { SampleStore } from '../store/sample-store.js';
import { SAMPLE_STATES } from '../store/sample-rows.js';
import type { Logger } from '../util/log.js';
import { bounded } from '../publish/command-gate.js';

const payloadSchema = z.strictObject({
  id: z.number().int().positive(),
  label: z.enum(SAMPLE_STATES),
});

export interface SampleCommandDeps {
  store: SampleStore;
  log: Logger;
  /** Called after a label was applied. */
  onLabelled?: (payload: SampleSetPayload) => void;
}

/** Returns the handler for `publisher.onCommand(topics.samplesSet, handler)`. */
export function createSampleCommandHandler(deps: SampleCommandDeps): (payload: Buffer) => void {
  const log = deps.log.child({ component: 'samples-command' });
  return (payload) => {
    let parsed: SampleSetPayload;
    try {
      const result = payloadSchema.safeParse(JSON.parse(payload.toString('utf8')));
      if (!result.success) {
        // Bounded: a payload with thousands of unknown keys must not make a megabyte log line.
        const issues = result.error.issues.slice(0, 5).map((i) => bounded(`${i.path.join('.') || '(payload)'}: ${i.message}`));
        log.warn({ issues, issueCount: result.error.issues.length }, 'samples/set payload ignored: expected {"id": N, "label": "negative|positive|rejected|mined"}');
        return;
      }
      parsed = result.data;
    } catch (err) {
      log.warn({ err: bounded((err as Error).message) }, 'samples/set payload ignored: not JSON');
      return;
    }
    const { missing } = deps.store.label([parsed.id], parsed.label);
    if (missing.length > 0) {
      log.warn({ id: parsed.id }, 'samples/set for an unknown sample ignored');
      return;
    }
    log.info({ id: parsed.id, label: parsed.label }, 'sample labelled');
    deps.onLabelled?.(parsed);
  };
}
