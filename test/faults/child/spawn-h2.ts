import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { ChildMessage } from './h2-server.js';
import { stopChild } from './spawn.js';

type ResponseMessage = Extract<ChildMessage, { kind: 'response' }>;
type SettledMessage = Extract<ChildMessage, { kind: 'settled' }>;

/** The HTTP/2 child server (h2-server.ts), watched from outside through /proc and its IPC reports. */
export interface H2Child {
  /** The HTTP/2 (TLS, allowHTTP1) server's port. */
  readonly port: number;
  /** The same handler on a plain node:http server. */
  readonly httpPort: number;
  readonly pid: number;
  /** onResponse events so far, in order. */
  responses(): ResponseMessage[];
  /** sendRange promises settled so far, in order. */
  settled(): SettledMessage[];
  /** Process warnings reported so far ("Closing file descriptor N on garbage collection" among them). */
  warnings(): string[];
  stderr(): string;
  /** Bytes this process has read so far: `rchar` (every read(2), cache or not) and `read_bytes` (from storage). */
  io(): { readonly rchar: number; readonly readBytes: number };
  /** What each open descriptor points to (from /proc/<pid>/fd; sockets show as socket:[…]). */
  descriptors(): string[];
  /** A full garbage collection in the child, finalizers included. */
  gc(): Promise<void>;
  /** Polls `check` every 20 ms until it holds or `timeoutMs` passes; resolves whether it held. */
  until(check: () => boolean, timeoutMs: number): Promise<boolean>;
  stop(): Promise<void>;
}

/** Starts the HTTP/2 child serving `root` with the certificate in `certDir`; resolves once it listens (≤ 20 s). */
export function startH2Child(root: string, certDir: string, bufferMiB = 32): Promise<H2Child> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', 'test/faults/child/h2-server.ts'], {
    env: { ...process.env, ROOT: root, CERT_DIR: certDir, BUFFER_MIB: String(bufferMiB) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout?.resume();
  const messages: ChildMessage[] = [];
  const gcWaiters: Array<() => void> = [];
  child.on('message', (message: ChildMessage) => {
    messages.push(message);
    if (message.kind === 'gc-done') gcWaiters.splice(0).forEach((wake) => wake());
  });
  const pid = child.pid ?? -1;
  const until = async (check: () => boolean, timeoutMs: number): Promise<boolean> => {
    const deadline = performance.now() + timeoutMs;
    while (!check()) {
      if (performance.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return true;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`h2 child did not start: ${stderr}`));
    }, 20_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`h2 child exited (${code ?? signal}) before listening: ${stderr}`));
    });
    child.on('message', (message: ChildMessage) => {
      if (message.kind !== 'listening') return;
      clearTimeout(timer);
      resolve({
        port: message.port,
        httpPort: message.httpPort,
        pid,
        responses: () => messages.filter((m): m is ResponseMessage => m.kind === 'response'),
        settled: () => messages.filter((m): m is SettledMessage => m.kind === 'settled'),
        warnings: () => messages.flatMap((m) => (m.kind === 'warning' ? [m.message] : [])),
        stderr: () => stderr,
        io: () => {
          const fields = Object.fromEntries(
            readFileSync(`/proc/${pid}/io`, 'utf8')
              .trim()
              .split('\n')
              .map((line) => line.split(': ') as [string, string]),
          );
          return { rchar: Number(fields['rchar']), readBytes: Number(fields['read_bytes']) };
        },
        descriptors: () =>
          readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
            try {
              return [readlinkSync(`/proc/${pid}/fd/${fd}`)];
            } catch {
              return []; // closed between the listing and the readlink
            }
          }),
        gc: () =>
          new Promise<void>((done) => {
            gcWaiters.push(done);
            child.send('gc');
          }),
        until,
        stop: () => stopChild(child),
      });
    });
  });
}
