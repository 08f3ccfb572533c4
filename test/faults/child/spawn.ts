import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { get } from '../../helpers/http-get.js';

/** What the child server reports at GET /__stats. */
export interface ChildStats {
  readonly fds: number;
  readonly rss: number;
  readonly heapUsed: number;
  readonly arrayBuffers: number;
  readonly acceptErrors: number;
  readonly responses: number;
  readonly aborted: number;
  readonly failed: number;
  readonly statuses: Readonly<Record<string, number>>;
}

export interface Child {
  readonly port: number;
  readonly process: ChildProcess;
  /** Everything the child wrote to stderr (a crash shows up here). */
  stderr(): string;
  stats(gc?: boolean): Promise<ChildStats>;
  /**
   * The child's open descriptors, counted from outside through /proc/<pid>/fd, so the count does not
   * depend on the server answering (it may not while its descriptors are exhausted).
   */
  fds(): number;
  /** Whether the process is still running. */
  alive(): boolean;
  /** SIGTERM to this child's PID only, then waits (bounded) for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts test/faults/child/server.ts in its own Node process serving `root`, optionally under
 * `ulimit -n <fileLimit>`; resolves once it listens (at most 20 s).
 */
export function startChild(root: string, fileLimit?: number): Promise<Child> {
  const node = `"${process.execPath}" --expose-gc --import tsx test/faults/child/server.ts`;
  const command = fileLimit === undefined ? `exec ${node}` : `ulimit -n ${fileLimit} && exec ${node}`;
  const child = spawn('bash', ['-c', command], { env: { ...process.env, ROOT: root }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`child did not start: ${stderr}`));
    }, 20_000);
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening (\d+)/.exec(stdout);
      if (match?.[1] === undefined) return;
      clearTimeout(timer);
      const port = Number(match[1]);
      resolve({
        port,
        process: child,
        stderr: () => stderr,
        stats: async (gc = false) => JSON.parse((await get(`http://127.0.0.1:${port}/__stats${gc ? '?gc' : ''}`)).body.toString()) as ChildStats,
        fds: () => readdirSync(`/proc/${child.pid}/fd`).length,
        alive: () => child.exitCode === null && child.signalCode === null,
        stop: () => stopChild(child),
      });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`child exited (${code ?? signal}) before listening: ${stderr}`));
    });
  });
}

/** Ends a child this test started: SIGTERM, then SIGKILL if it has not exited within 5 s. */
export function stopChild(child: ChildProcess): Promise<void> {
  return new Promise<void>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      done();
    });
    child.kill('SIGTERM');
  });
}
