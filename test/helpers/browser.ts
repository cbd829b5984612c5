/**
 * A real browser for UI tests: Debian's chromium driven by playwright-core (`npx playwright install` cannot download
 * here). Without chromium a test skips on a developer machine and fails under CI=true (CI installs it).
 */
import { execFileSync } from 'node:child_process';
import { chromium, type Browser } from 'playwright-core';

export function chromiumPath(): string | undefined {
  if (process.env.CATWATCH_CHROMIUM) return process.env.CATWATCH_CHROMIUM;
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      return execFileSync('which', [name], { encoding: 'utf8' }).trim() || undefined;
    } catch {
      // not this one
    }
  }
  return undefined;
}

export function skipWithoutChromium(): string | false {
  if (chromiumPath()) return false;
  const reason = 'chromium not found (apt-get install chromium, or set CATWATCH_CHROMIUM)';
  if (process.env.CI === 'true') throw new Error(`${reason}; CI=true, so this fails instead of skipping`);
  return reason;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--disable-dev-shm-usage'], headless: true });
}
