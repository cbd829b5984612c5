/**
 * When a scheduled retraining is due: `@hourly`, `@daily`, `@weekly` count from the last training; `HH:MM` is a
 * daily local time. Pure (time comes in), so it is tested without waiting.
 */
export function isScheduleDue(schedule: string, lastRunAtMs: number | undefined, nowMs: number): boolean {
  const HOUR = 3_600_000;
  switch (schedule) {
    case 'off':
      return false;
    case '@hourly':
      return lastRunAtMs === undefined || nowMs - lastRunAtMs >= HOUR;
    case '@daily':
      return lastRunAtMs === undefined || nowMs - lastRunAtMs >= 24 * HOUR;
    case '@weekly':
      return lastRunAtMs === undefined || nowMs - lastRunAtMs >= 7 * 24 * HOUR;
    default: {
      const m = /^(\d\d):(\d\d)$/.exec(schedule);
      if (!m) return false;
      const due = new Date(nowMs);
      due.setHours(Number(m[1]), Number(m[2]), 0, 0);
      // Today's slot has passed and no training ran since it.
      return nowMs >= due.getTime() && (lastRunAtMs === undefined || lastRunAtMs < due.getTime());
    }
  }
}
