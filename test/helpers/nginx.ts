// The one nginx launcher of the repository: the edge tests, the sources tests and the bench all start
// nginx through it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's nginx; CI installs it (`.ci/run`). */
export const NGINX = '/usr/sbin/nginx';
export const nginxInstalled = existsSync(NGINX);

/**
 * What a suite needing nginx should do on this machine: run, fail loudly in CI (where nginx is
 * installed, so its absence is a broken setup), or skip with a visible note locally.
 */
export function nginxAvailability(suite: string): 'run' | 'fail' | 'skip' {
  if (nginxInstalled) return 'run';
  if (process.env['CI'] !== undefined && process.env['CI'] !== '') return 'fail';
  console.warn(`[${suite}] ${NGINX} not found: skipping the nginx tests (apt-get install nginx to run them; CI does).`);
  return 'skip';
}

export interface NginxOptions {
  /** Pin nginx to this CPU (`taskset -c`), as the bench does with every server. */
  readonly cpu?: number;
}

export interface RunningNginx {
  readonly url: string;
  readonly port: number;
  /** The temp folder holding the config, logs and cache. */
  readonly dir: string;
  /** The PIDs whose CPU time, memory and descriptors are nginx's (the master and any workers). */
  pids(): number[];
  /** nginx's error log so far. */
  errorLog(): string;
  stop(): Promise<void>;
}

/**
 * Starts nginx with `httpBlock` inside a generated `http {}` (logs, pid file and temp paths in a temp
 * folder; `{{PORT}}` and `{{DIR}}` in the block are replaced). One process (`master_process off`),
 * so the PID we spawned is all there is to measure and to stop.
 */
export function startNginx(httpBlock: string, options: NginxOptions & { readonly accessLog?: boolean } = {}): Promise<RunningNginx> {
  return startNginxConfig(
    `daemon off;
master_process off;
pid {{DIR}}/nginx.pid;
error_log {{DIR}}/error.log info;
events { worker_connections 4096; }
http {
  access_log ${options.accessLog === false ? 'off' : '{{DIR}}/access.log'};
  client_body_temp_path {{DIR}}/client_body;
  proxy_temp_path {{DIR}}/proxy_temp;
  fastcgi_temp_path {{DIR}}/fastcgi_temp;
  uwsgi_temp_path {{DIR}}/uwsgi_temp;
  scgi_temp_path {{DIR}}/scgi_temp;
${httpBlock}
}
`,
    options,
  );
}

/** An `http {}` block serving the files under `root` on `{{PORT}}` the way a tuned static server does. */
export function staticFiles(root: string): string {
  return `  sendfile on;
  tcp_nopush off;
  keepalive_requests 100000000;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:{{PORT}} backlog=1024;
    root ${root};
  }`;
}

/** The `server` lines of an `upstream {}` block: nginx balances round-robin over these app ports. */
export function upstreamServers(ports: readonly number[]): string {
  return ports.map((port) => `server 127.0.0.1:${port};`).join('\n        ');
}

/**
 * Starts nginx with a complete config whose relative paths live in a fresh temp prefix folder
 * (`-p`); `{{PORT}}` and `{{DIR}}` are replaced. It must write its pid file to `nginx.pid` and its
 * error log to `error.log` there. `daemon off` and `master_process off` are added on the command
 * line unless the config sets them.
 */
export async function startNginxConfig(config: string, options: NginxOptions = {}): Promise<RunningNginx> {
  let lastError: unknown;
  // The free port is found by binding and releasing it, so another process may take it meanwhile.
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'partial-content-nginx-'));
    const port = await freePort();
    try {
      return await launch(dir, port, config.replaceAll('{{PORT}}', String(port)).replaceAll('{{DIR}}', dir), options);
    } catch (error) {
      lastError = error;
      rmSync(dir, { recursive: true, force: true });
    }
  }
  throw lastError;
}

/** Every nginx this process started and has not stopped: killed by PID if the process exits first. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

async function launch(dir: string, port: number, config: string, options: NginxOptions): Promise<RunningNginx> {
  const errorLog = join(dir, 'error.log');
  const globals: string[] = [];
  if (!/^\s*daemon\s/m.test(config)) globals.push('daemon off;');
  if (!/^\s*master_process\s/m.test(config)) globals.push('master_process off;');
  const configPath = join(dir, 'nginx.conf');
  writeFileSync(configPath, config);
  const args = ['-p', `${dir}/`, '-c', configPath, '-e', errorLog];
  if (globals.length > 0) args.push('-g', globals.join(' '));
  // taskset execs nginx, so the PID we hold is nginx's either way.
  const [command, ...rest] = options.cpu === undefined ? [NGINX, ...args] : ['taskset', '-c', String(options.cpu), NGINX, ...args];
  const child = spawn(command as string, rest, { stdio: ['ignore', 'ignore', 'pipe'] });
  live.add(child);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const running of live) running.kill('SIGKILL');
    });
  }
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => live.delete(child));

  const deadline = Date.now() + 10_000;
  // nginx writes its pid file only after binding, so a port taken by someone else cannot pass this.
  while (!(existsSync(join(dir, 'nginx.pid')) && child.exitCode === null && (await accepts(port)))) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      await stop(child, exited);
      const log = existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : '';
      throw new Error(`nginx did not start on port ${port}: ${stderr}${log.split('\n').slice(-5).join('\n')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const pid = child.pid as number;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dir,
    pids: () => [pid, ...childPids(pid)],
    errorLog: () => (existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : ''),
    stop: async () => {
      await stop(child, exited);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Stops the one nginx process we spawned, by its PID: SIGTERM, then SIGKILL after 5 s. */
async function stop(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5_000).unref());
  if ((await Promise.race([exited, timer])) === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
}

/** Workers of a master (a config with `master_process on`); none in the default one-process mode. */
function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** A loopback port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Whether something accepts connections on the loopback `port`. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
