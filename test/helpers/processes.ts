/**
 * Child processes started by test helpers: a registry that kills every one of them when the test process exits
 * (even after a failed assertion or an uncaught error), graceful stop with a deadline, and /proc readers so tests can
 * assert that no orphan (e.g. ffmpeg) is left behind.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const SETPRIV = findProgram('setpriv', ['/usr/bin']);
const live = new Set<ChildProcess>();
/**
 * Every pid spawned here, with its start time: each led its own process group, so its pid is also the group id of
 * its descendants. The start time tells a reused pid (pid_max can be as low as 32768) from ours.
 */
const spawnedGroups = new Map<number, number>();
let exitHookInstalled = false;

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/**
 * Signals a child's whole process group (helpers spawn with `detached: true`, so the child leads its group). Members
 * of the group outlive their leader, so this also runs after the child has exited; it falls back to the child alone
 * when it leads no group.
 */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    if (!hasExited(child)) child.kill(signal);
  }
}

function killAllNow(): void {
  for (const child of live) signalGroup(child, 'SIGKILL');
  live.clear();
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' covers normal ends and uncaught errors; a terminating signal skips it, so catch those once and re-raise.
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAllNow();
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

/** Adds a child to the registry; it leaves the registry when it exits. */
export function track(child: ChildProcess): ChildProcess {
  installExitHook();
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Finds a program on PATH, then in `fallbackDirs` (Debian's /usr/sbin is often not on a user's PATH). */
export function findProgram(name: string, fallbackDirs: string[] = []): string | undefined {
  if (name.includes('/')) return isExecutable(name) ? name : undefined;
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...fallbackDirs];
  return dirs.map((dir) => join(dir, name)).find(isExecutable);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Spawns a tracked child in its own process group (so stop() reaches its children too), stdio piped.
 * Through util-linux `setpriv --pdeathsig KILL` when present, so the kernel kills the child even if the test process
 * itself is SIGKILLed and no exit hook runs. Rejects if the program cannot be found or started.
 */
export async function spawnTracked(command: string, args: string[], options: SpawnOptions = {}): Promise<ChildProcess> {
  const program = findProgram(command);
  if (program === undefined) throw new Error(`cannot start ${command}: not found on PATH`);
  const [file, fileArgs] = SETPRIV === undefined ? [program, args] : [SETPRIV, ['--pdeathsig', 'KILL', '--', program, ...args]];
  const child = spawn(file, fileArgs, { stdio: ['pipe', 'pipe', 'pipe'], ...options, detached: true });
  track(child);
  const stat = child.pid === undefined ? undefined : readStat(child.pid);
  if (stat !== undefined) spawnedGroups.set(stat.pid, stat.startTicks);
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error) => reject(new Error(`cannot start ${command}: ${error.message}`)));
  });
  return child;
}

/** Sends `signal` (default SIGKILL) to a child's process group without waiting. */
export function killProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  signalGroup(child, signal);
}

/** Waits for a child to exit; resolves false when it is still running after `timeoutMs`. */
export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (hasExited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, timeoutMs);
    const onExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

/** SIGTERM to the child's group, SIGKILL after `graceMs`; resolves once the child has exited. */
export async function stopProcess(child: ChildProcess, graceMs = 5000): Promise<void> {
  signalGroup(child, 'SIGTERM');
  if (await waitForExit(child, graceMs)) {
    // The leader is gone; anything left in its group did not honour SIGTERM.
    signalGroup(child, 'SIGKILL');
    return;
  }
  signalGroup(child, 'SIGKILL');
  if (!(await waitForExit(child, 5000))) throw new Error(`process ${child.pid} did not exit after SIGKILL`);
}

/**
 * Runs a program to its end as a tracked child; rejects with its stderr tail when it fails or exceeds `timeoutMs`
 * (then it is killed). Resolves with its stdout.
 */
export async function runTracked(command: string, args: string[], timeoutMs: number): Promise<string> {
  const child = await spawnTracked(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr = tailOf(child.stderr);
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const closed = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), timeoutMs);
  const code = await closed;
  clearTimeout(timer);
  if (code !== 0) {
    const why = code === null ? `was killed (time limit ${timeoutMs} ms)` : `exited with code ${code}`;
    throw new Error(`${command} ${args.join(' ')} ${why}\nstderr: ${stderr() || '(empty)'}`);
  }
  return stdout;
}

/** Keeps the last `maxChars` characters written to a stream, for error messages. */
export function tailOf(stream: NodeJS.ReadableStream | null, maxChars = 4000): () => string {
  let text = '';
  stream?.on('data', (chunk: Buffer | string) => {
    text = (text + chunk.toString()).slice(-maxChars);
  });
  return () => text.trim();
}

interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgrp: number;
  /** Start time in clock ticks since boot. */
  startTicks: number;
}

function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // Exited while we were scanning.
  }
  // comm sits in parentheses and may itself contain spaces or ')': split at the last ')'.
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  // Fields after comm, from field 3 (state) on: see proc(5).
  const fields = text.slice(close + 2).split(' ');
  return { pid, comm, state: fields[0], ppid: Number(fields[1]), pgrp: Number(fields[2]), startTicks: Number(fields[19]) };
}

function allStats(): ProcStat[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => readStat(Number(entry)))
    .filter((stat): stat is ProcStat => stat !== undefined && stat.state !== 'Z');
}

/** Pids of running (not zombie) processes whose name (comm, 15 chars max, as `ps` shows it) equals `name`. */
export function pidsOf(name: string): number[] {
  return allStats().filter((stat) => stat.comm === name.slice(0, 15)).map((stat) => stat.pid);
}

/** Pids of running (not zombie) direct children of `pid`. */
export function childrenOf(pid: number): number[] {
  return allStats().filter((stat) => stat.ppid === pid).map((stat) => stat.pid);
}

/**
 * Running processes left from anything spawnTracked ever started: the children themselves and every member of their
 * process groups, including grandchildren re-parented to init. Empty once every helper has been stopped cleanly.
 */
export function leftoverProcesses(): Array<{ pid: number; name: string }> {
  const running = allStats();
  const left: Array<{ pid: number; name: string }> = [];
  for (const [group, startTicks] of spawnedGroups) {
    // A live process with the leader's pid but another start time means our group is gone and the pid reused.
    const leader = readStat(group);
    if (leader !== undefined && leader.startTicks !== startTicks) continue;
    for (const stat of running) if (stat.pgrp === group) left.push({ pid: stat.pid, name: stat.comm });
  }
  return left;
}
