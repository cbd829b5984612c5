/** What the fleet stage has done, for `stats()` (status, metrics, tests). */
export interface FleetStats {
  role: 'node' | 'trainer';
  pointersReceived: number;
  installed: number;
  /** Pointers refused: bad signature or malformed (E_FLEET_SIGNATURE), sha256 mismatch, unusable model file. */
  refused: number;
  refusedSignature: number;
  refusedChecksum: number;
  /** Pointers older than the last one accepted (a replay). */
  refusedStale: number;
  lastRefusal: string | null;
  /** The version the last accepted pointer named. */
  pointerVersion: string | null;
  samplesUploaded: number;
  samplesDownloaded: number;
  /** Samples that failed to upload or download in a round (retried the next round). */
  sampleFailures: number;
  modelsPublished: number;
  /** Trainer: completed trainings whose upload or pointer publish failed (logged). */
  publishFailures: number;
}

export function emptyFleetStats(role: FleetStats['role']): FleetStats {
  return {
    role, pointersReceived: 0, installed: 0, refused: 0, refusedSignature: 0, refusedChecksum: 0, refusedStale: 0, lastRefusal: null, pointerVersion: null,
    samplesUploaded: 0, samplesDownloaded: 0, sampleFailures: 0, modelsPublished: 0, publishFailures: 0,
  };
}
