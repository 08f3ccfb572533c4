import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export type Runtime = 'node' | 'bun' | 'deno';

const SERVER = fileURLToPath(new URL('./server/serve.ts', import.meta.url));
const RUNTIMES = fileURLToPath(new URL('../runtimes/node_modules/', import.meta.url));

/** Where the runtimes installed by `npm ci --prefix test/runtimes` keep their binaries. */
export const RUNTIME_BINARIES = {
  bun: `${RUNTIMES}@oven/bun-linux-x64/bin/bun`,
  deno: `${RUNTIMES}@deno/linux-x64-glibc/deno`,
} as const;

export function runtimeInstalled(runtime: 'bun' | 'deno'): boolean {
  return existsSync(RUNTIME_BINARIES[runtime]);
}

function command(runtime: Runtime, root: string): [string, string[]] {
  switch (runtime) {
    case 'node': {
      const tsx = createRequire(import.meta.url).resolve('tsx');
      return [process.execPath, ['--import', tsx, SERVER, root]];
    }
    case 'bun':
      return [RUNTIME_BINARIES.bun, [SERVER, root]];
    case 'deno':
      return [RUNTIME_BINARIES.deno, ['run', '--quiet', '--allow-read', '--allow-net=127.0.0.1', '--allow-env', '--allow-sys', SERVER, root]];
  }
}

export interface RuntimeServer {
  readonly runtime: Runtime;
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Open descriptors of the server process right now (Linux /proc). */
  openDescriptors(): number;
  close(): Promise<void>;
}

/** Starts test/fetch/server/serve.ts on `runtime` over `root`; resolves once it listens. */
export async function startServer(runtime: Runtime, root: string): Promise<RuntimeServer> {
  const [file, args] = command(runtime, root);
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await new Promise<number>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`${runtime} server did not listen within 30 s:\n${output}`)), 30_000);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /listening (\d+)/.exec(output);
      if (match?.[1] === undefined) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      resolve(Number(match[1]));
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => fail(new Error(`${runtime} server exited (${code}) before listening:\n${output}`)));
  });
  const pid = child.pid!;
  return {
    runtime,
    port,
    pid,
    url: `http://127.0.0.1:${port}`,
    openDescriptors: () => readdirSync(`/proc/${pid}/fd`).length,
    close: () => stop(child),
  };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
