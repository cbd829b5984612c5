/**
 * What a command message must pass before its handler runs: not retained (a retained command would run again on
 * every reconnect and restart: a retained `train/set` retrained at each start, a retained `samples/set` undid later
 * labels), at most MAX_COMMAND_BYTES, and within a rate per topic (a token bucket). Refusals are counted and logged
 * with bounded fields; nothing of the payload beyond a short prefix reaches the log.
 */
export const MAX_COMMAND_BYTES = 64 * 1024;
const BURST = 10;
const REFILL_PER_S = 1;

export type CommandRefusal = 'retained' | 'too-large' | 'rate-limited';

export function createCommandGate(now: () => number = Date.now) {
  const buckets = new Map<string, { tokens: number; atMs: number }>();
  const refused: Record<CommandRefusal, number> = { retained: 0, 'too-large': 0, 'rate-limited': 0 };
  return {
    /** Why the message is refused, or undefined when its handler may run. */
    check(topic: string, payload: Buffer, retained: boolean): CommandRefusal | undefined {
      const reason = retained ? 'retained' : payload.length > MAX_COMMAND_BYTES ? 'too-large' : this.take(topic) ? undefined : 'rate-limited';
      if (reason) refused[reason]++;
      return reason;
    },
    take(topic: string): boolean {
      const b = buckets.get(topic) ?? { tokens: BURST, atMs: now() };
      b.tokens = Math.min(BURST, b.tokens + ((now() - b.atMs) / 1000) * REFILL_PER_S);
      b.atMs = now();
      buckets.set(topic, b);
      if (b.tokens < 1) return false;
      b.tokens -= 1;
      return true;
    },
    refused: (): Readonly<Record<CommandRefusal, number>> => ({ ...refused }),
  };
}

/** At most `max` characters of a text for a log field (a hostile payload must not make a megabyte log line). */
export function bounded(text: string, max = 200): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} chars)`;
}

export type CommandGate = ReturnType<typeof createCommandGate>;
