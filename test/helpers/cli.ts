/** Runs the built `catwatch` CLI as a user would (a child process), from wherever the tests were compiled to. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { track } from './processes.js';

export const cliPath = fileURLToPath(new URL('../../src/cli/index.js', import.meta.url));

export interface CliResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

export function runCli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; input?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      cwd: options.cwd,
      env: { ...process.env, CATWATCH_LOG_LEVEL: 'warn', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`catwatch ${args.join(' ')} timed out; stderr: ${stderr.slice(-2000)}`));
    }, options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** Starts a long-running command (e.g. `run`); the caller stops it. Output is collected line by line. */
export function startCli(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): { child: ChildProcess; output: () => string; waitFor: (re: RegExp, timeoutMs: number) => Promise<string> } {
  const child = spawn(process.execPath, [cliPath, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child); // killed even if the test fails before stopping it
  let out = '';
  const waiters: Array<{ re: RegExp; resolve: (s: string) => void }> = [];
  const onData = (d: Buffer): void => {
    out += d.toString();
    for (const w of [...waiters]) {
      const m = out.match(w.re);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m[0]);
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  return {
    child,
    output: () => out,
    waitFor: (re, timeoutMs) =>
      new Promise<string>((resolve, reject) => {
        const m = out.match(re);
        if (m) return resolve(m[0]);
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re}; output so far:\n${out.slice(-3000)}`)), timeoutMs);
        waiters.push({ re, resolve: (s) => { clearTimeout(timer); resolve(s); } });
      }),
  };
}
