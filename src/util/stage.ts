/**
 * The contract every pipeline stage implements. The service starts stages in pipeline order and stops them in
 * reverse; `applyConfig` runs when a config path in `livePaths` changed (every other setting needs a restart).
 */
export interface Stage<C> {
  readonly name: string;
  /** A critical stage that fails to start fails the service; an optional one is reported and the rest runs. */
  readonly critical: boolean;
  /** Config paths (`cameras`, `events`, `model.threshold`) this stage applies while running. */
  readonly livePaths?: readonly string[];
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
  applyConfig?(next: C, previous: C): Promise<void> | void;
}

/** Whether a change at `changed` touches `path` (either may be the longer one: `cameras` vs `cameras`, `train` vs `train.request`). */
export function pathsOverlap(path: string, changed: string): boolean {
  return path === changed || changed.startsWith(`${path}.`) || path.startsWith(`${changed}.`);
}
