/**
 * The environment for child processes that need none of catwatch's settings (ffmpeg, ffprobe): the locale, time
 * zone and search path only. Everything else stays out, above all CATWATCH_MQTT_PASSWORD and other secrets a
 * crash dump or /proc/<pid>/environ of the child would otherwise show.
 */
const KEPT = ['PATH', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'HOME', 'TMPDIR', 'LD_LIBRARY_PATH'];

export function minimalChildEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return Object.fromEntries(KEPT.flatMap((k) => (env[k] === undefined ? [] : [[k, env[k]]])));
}
