/**
 * A stand-in for systemd's notification socket: an AF_UNIX datagram socket (made by Debian's /usr/bin/python3,
 * since Node has no unix datagram sockets) whose every message is recorded. Pass `path` as NOTIFY_SOCKET.
 * File descriptors that come with a message (systemd-notify's BARRIER=1 pipe) are closed at once, as systemd does,
 * which releases the sender.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { spawnTracked, stopProcess, tailOf } from './processes.js';

const PYTHON = '/usr/bin/python3';

const SCRIPT = `
import json, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print(json.dumps("LISTENING"), flush=True)
while True:
    data, anc, flags, addr = s.recvmsg(65536, socket.CMSG_SPACE(64 * 4))
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            for i in range(0, len(payload) - len(payload) % 4, 4):
                os.close(int.from_bytes(payload[i:i + 4], sys.byteorder))
    print(json.dumps(data.decode("utf-8", "replace")), flush=True)
`;

export interface NotifySocket {
  path: string;
  /** Every datagram so far, in arrival order (each may hold several KEY=value lines). */
  messages: string[];
  /** Resolves with the first message matching `re`, waiting up to `timeoutMs`. */
  waitFor(re: RegExp, timeoutMs: number): Promise<string>;
  stop(): Promise<void>;
}

export async function startNotifySocket(): Promise<NotifySocket> {
  const dir = mkdtempSync(join(tmpdir(), 'cw-notify-'));
  const path = join(dir, 'notify.sock');
  const child = await spawnTracked(PYTHON, ['-c', SCRIPT, path], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr = tailOf(child.stderr);
  const messages: string[] = [];
  const lines = createInterface({ input: child.stdout! });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`notify socket did not start: ${stderr()}`)), 10_000);
    child.once('close', () => reject(new Error(`notify socket exited: ${stderr()}`)));
    lines.once('line', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  lines.on('line', (line) => messages.push(JSON.parse(line) as string));
  return {
    path,
    messages,
    async waitFor(re, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.find((m) => re.test(m));
        if (found !== undefined) return found;
        if (Date.now() > deadline) throw new Error(`no notification matching ${re} within ${timeoutMs} ms; got ${JSON.stringify(messages)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      await stopProcess(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
