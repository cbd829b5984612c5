/** A real pino logger whose JSON lines are kept in memory, for tests that assert what was logged (level, fields). */
import { pino } from 'pino';

export interface LogLine { level: number; msg: string; [field: string]: unknown }

export function capturingLogger(level: pino.LevelWithSilent = 'debug'): { log: pino.Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = pino({ level }, { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
  return { log, lines };
}
