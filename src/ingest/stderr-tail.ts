/**
 * The last lines ffmpeg wrote to stderr, credentials scrubbed, kept so a failure can be logged with its cause
 * without logging ffmpeg's chatter all the time.
 */
import { redactUrl } from '../util/log.js';

/** A partial line longer than this is cut, so a child that never writes a newline cannot grow memory. */
const MAX_LINE_CHARS = 2000;

export interface StderrTail {
  /** Append stderr text (any chunking; lines may be split across calls). */
  push(text: string): void;
  /** Close the current partial line (the child exited). */
  flush(): void;
  /** Start counting the lines of a new run. */
  markRun(): void;
  /** All kept lines, oldest first. */
  lines(): string[];
  /** The kept lines written since markRun(). */
  runLines(): string[];
}

export function createStderrTail(maxLines: number): StderrTail {
  const kept: string[] = [];
  let partial = '';
  let sinceMark = 0;

  function add(line: string): void {
    const trimmed = line.trimEnd();
    if (trimmed === '') return;
    kept.push(redactUrl(trimmed.slice(0, MAX_LINE_CHARS)));
    if (kept.length > maxLines) kept.shift();
    sinceMark += 1;
  }

  return {
    push(text) {
      const parts = (partial + text).split(/\r\n|\r|\n/);
      partial = parts.pop() ?? '';
      for (const line of parts) add(line);
      if (partial.length > MAX_LINE_CHARS) {
        add(partial);
        partial = '';
      }
    },
    flush() {
      if (partial !== '') add(partial);
      partial = '';
    },
    markRun() {
      sinceMark = 0;
    },
    lines() {
      return kept.slice();
    },
    runLines() {
      return kept.slice(Math.max(0, kept.length - sinceMark));
    },
  };
}
