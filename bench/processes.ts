import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

/** Every child this run started, by PID; killed on exit, failure or signal. */
const children = new Set<ChildProcess>();

export function track(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
}

export function killAll(): void {
  for (const child of children) kill(child);
  children.clear();
}

/** Installs the cleanup on every way out of the process. */
export function cleanupOnExit(extra: () => void): void {
  let done = false;
  const cleanup = (): void => {
    if (done) return;
    done = true;
    killAll();
    extra();
  };
  process.once('exit', cleanup);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      cleanup();
      process.exit(130);
    });
  }
}

/** A running server: its port and the PIDs whose memory and descriptors are counted. */
export interface RunningServer {
  readonly name: string;
  readonly port: number;
  readonly pids: () => number[];
  stop(): Promise<void>;
}

/** SIGKILL to this child's PID if it is still running. */
export function kill(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(child.pid, 'SIGKILL');
  } catch {
    // gone meanwhile
  }
}

function waitExit(child: ChildProcess, ms: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      kill(child);
      resolve();
    }, ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Starts a server process (`command`: program and arguments) pinned to `cpu`; resolves once it prints
 * its port as a JSON line `{"port":N}`. It must exit when its stdin closes. Any runtime fits: the
 * servers of bench/server.ts run under node, a Bun or Deno server is one more command.
 */
export function startServerProcess(name: string, command: readonly string[], cpu: number): Promise<RunningServer> {
  const child = spawn('taskset', ['-c', String(cpu), ...command], { stdio: ['pipe', 'pipe', 'pipe'] });
  track(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 10_000) stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${name}: no port within 30 s. ${stderr}`)), 30_000);
    let settled = false;
    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      kill(child);
      reject(error);
    };
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      if (settled) return;
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (!out.includes('\n') || line === undefined) return;
      settled = true;
      clearTimeout(timer);
      const { port } = JSON.parse(line) as { port: number };
      const pid = child.pid;
      resolve({
        name,
        port,
        // taskset execs the server, so the child's PID is the server's.
        pids: () => (pid === undefined ? [] : [pid]),
        stop: async () => {
          child.stdin?.end();
          await waitExit(child, 3000);
        },
      });
    });
    child.once('exit', (code) => fail(new Error(`${name}: exited with ${String(code)} before listening. ${stderr}`)));
  });
}

/** Resident memory of a process in bytes: current (VmRSS) and peak (VmHWM). */
export function memory(pid: number): { rss: number; peak: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
    return { rss: field('VmRSS'), peak: field('VmHWM') };
  } catch {
    return { rss: 0, peak: 0 };
  }
}

/** Open descriptors of a process. */
export function openFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

/** Resets VmHWM to the current RSS (Linux: write 5 to clear_refs), so a peak is measured per phase. */
export function resetPeak(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // not permitted: the peak then covers the process lifetime
  }
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU time (user + system, all threads) a process has used, in seconds. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}
