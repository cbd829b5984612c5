/**
 * systemd watchdog pings (WATCHDOG=1 every WatchdogSec/2) while the process can still do its job: the event loop
 * runs (the timer fires) and the scoring pipeline answers (`alive`: a heartbeat through every score worker). A hung
 * event loop or a hung backbone stops the pings and systemd restarts the service (Restart=on-failure). Cameras are
 * NOT part of it: a camera that is down is reported (health, MQTT availability) and retried by ingest, never a
 * reason to restart the process and every other camera with it. Does nothing unless systemd asked ($WATCHDOG_USEC).
 */
import type { Logger } from '../util/log.js';
import type { SdNotifier } from '../util/sd-notify.js';

export interface SdWatchdogDeps {
  notifier: SdNotifier;
  /** Resolves true when the scoring pipeline answered within `timeoutMs`. */
  alive: (timeoutMs: number) => Promise<boolean>;
  log: Logger;
}

export function createSdWatchdog(deps: SdWatchdogDeps) {
  const log = deps.log.child({ component: 'watchdog' });
  let timer: NodeJS.Timeout | undefined;
  let withholding = false;
  let checking = false;

  async function tick(intervalMs: number): Promise<void> {
    if (checking) return;
    checking = true;
    try {
      const alive = await deps.alive(intervalMs);
      if (alive === withholding) {
        withholding = !alive;
        if (withholding) log.error('scoring pipeline does not answer, withholding watchdog pings');
        else log.info('scoring pipeline answers again, watchdog pings resumed');
      }
      if (alive) await deps.notifier.watchdog();
    } finally {
      checking = false;
    }
  }

  return {
    name: 'watchdog',
    critical: false,
    start() {
      const intervalMs = deps.notifier.watchdogIntervalMs;
      if (intervalMs === undefined) return;
      log.info({ intervalMs }, 'systemd watchdog pings enabled');
      const run = (): void => void tick(intervalMs).catch((err: unknown) => log.error({ err }, 'watchdog check failed'));
      run();
      timer = setInterval(run, intervalMs);
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
