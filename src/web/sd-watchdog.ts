/**
 * systemd watchdog pings (WATCHDOG=1 every WatchdogSec/2) sent ONLY while frames flow: when a camera stalls for
 * longer than ingest's own restarts can fix, or the event loop hangs, the pings stop and systemd restarts the whole
 * service (Restart=on-failure). Does nothing unless systemd asked for pings ($WATCHDOG_USEC).
 */
import type { Logger } from '../util/log.js';
import type { SdNotifier } from '../util/sd-notify.js';

export interface SdWatchdogDeps {
  notifier: SdNotifier;
  /** True while every enabled camera delivers frames (or none is configured). */
  framesFlowing: () => boolean;
  log: Logger;
}

export function createSdWatchdog(deps: SdWatchdogDeps) {
  const log = deps.log.child({ component: 'watchdog' });
  let timer: NodeJS.Timeout | undefined;
  let withholding = false;

  function tick(): void {
    const flowing = deps.framesFlowing();
    if (flowing !== !withholding) {
      withholding = !flowing;
      if (withholding) log.warn('frames stopped flowing, withholding watchdog pings');
      else log.info('frames flowing again, watchdog pings resumed');
    }
    if (flowing) void deps.notifier.watchdog();
  }

  return {
    start() {
      const intervalMs = deps.notifier.watchdogIntervalMs;
      if (intervalMs === undefined) return;
      log.info({ intervalMs }, 'systemd watchdog pings enabled');
      tick();
      timer = setInterval(tick, intervalMs);
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
