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

export interface RunningNginx {
  readonly url: string;
  readonly port: number;
  /** The temp folder holding the config, logs and cache. */
  readonly dir: string;
  /** nginx's error log so far (level `info`). */
  errorLog(): string;
  stop(): Promise<void>;
}

/**
 * Starts nginx in the foreground as one process (`master_process off`, so the PID we spawned is all
 * there is to stop) with a generated config in a temp folder: logs, pid file, temp paths and cache
 * live there. `httpBlock` is placed inside `http {}`; `{{PORT}}` and `{{DIR}}` in it are replaced.
 */
export function startNginx(httpBlock: string): Promise<RunningNginx> {
  return startNginxConfig(`daemon off;
master_process off;
pid {{DIR}}/nginx.pid;
error_log {{DIR}}/error.log info;
events { worker_connections 256; }
http {
  access_log {{DIR}}/access.log;
  client_body_temp_path {{DIR}}/client_body;
  proxy_temp_path {{DIR}}/proxy_temp;
  fastcgi_temp_path {{DIR}}/fastcgi_temp;
  uwsgi_temp_path {{DIR}}/uwsgi_temp;
  scgi_temp_path {{DIR}}/scgi_temp;
${httpBlock}
}
`);
}

/**
 * Starts nginx with a complete config whose relative paths live in a fresh temp prefix folder
 * (`-p`); `{{PORT}}` and `{{DIR}}` are replaced. It must write its pid file to `nginx.pid` and its
 * error log to `error.log` there. `daemon off` and `master_process off` are added on the command
 * line unless the config sets them.
 */
export async function startNginxConfig(config: string): Promise<RunningNginx> {
  let lastError: unknown;
  // The free port is found by binding and releasing it, so another process may take it meanwhile.
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'partial-content-nginx-'));
    const port = await freePort();
    try {
      return await launch(dir, port, config.replaceAll('{{PORT}}', String(port)).replaceAll('{{DIR}}', dir));
    } catch (error) {
      lastError = error;
      rmSync(dir, { recursive: true, force: true });
    }
  }
  throw lastError;
}

async function launch(dir: string, port: number, config: string): Promise<RunningNginx> {
  const errorLog = join(dir, 'error.log');
  const globals: string[] = [];
  if (!/^\s*daemon\s/m.test(config)) globals.push('daemon off;');
  if (!/^\s*master_process\s/m.test(config)) globals.push('master_process off;');
  const configPath = join(dir, 'nginx.conf');
  writeFileSync(configPath, config);
  const args = ['-p', `${dir}/`, '-c', configPath, '-e', errorLog];
  if (globals.length > 0) args.push('-g', globals.join(' '));
  const child = spawn(NGINX, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

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
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dir,
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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
