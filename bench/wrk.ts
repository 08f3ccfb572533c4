import { spawn } from 'node:child_process';
import { kill, track } from './processes.js';

export interface WrkResult {
  readonly requests: number;
  readonly bytes: number;
  readonly seconds: number;
  /** Responses with a status outside 2xx/3xx, and socket errors. */
  readonly errors: { connect: number; read: number; write: number; status: number; timeout: number };
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly rps: number;
  /** Bytes per second received, headers included. */
  readonly bps: number;
}

/** Appended to every script: one machine-readable line with wrk's exact totals. */
export const DONE_LUA = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK-RESULT {"requests":%d,"bytes":%d,"us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50":%d,"p99":%d}\\n',
    summary.requests, summary.bytes, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;

/** Runs wrk (one thread, pinned to `cpu`) for `seconds` against `url` with a Lua script file. */
export function runWrk(options: {
  url: string;
  script: string;
  seconds: number;
  connections: number;
  cpu: number;
}): Promise<WrkResult> {
  const args = [
    '-c', String(options.cpu), 'wrk', '-t1', `-c${options.connections}`, `-d${options.seconds}s`, '--timeout', '5s',
    '-s', options.script, options.url,
  ];
  const child = spawn('taskset', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve, reject) => {
    // Bounded: wrk stops itself after `seconds`; this only guards against a hang.
    const timer = setTimeout(() => kill(child), (options.seconds + 20) * 1000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const line = /WRK-RESULT (\{.*\})/.exec(out)?.[1];
      if (code !== 0 || line === undefined) {
        reject(new Error(`wrk failed (exit ${String(code)}): ${out.slice(0, 2000)}`));
        return;
      }
      const raw = JSON.parse(line) as Record<string, number>;
      const n = (key: string): number => raw[key] ?? 0;
      const seconds = n('us') / 1e6;
      resolve({
        requests: n('requests'),
        bytes: n('bytes'),
        seconds,
        errors: { connect: n('connect'), read: n('read'), write: n('write'), status: n('status'), timeout: n('timeout') },
        p50Ms: n('p50') / 1000,
        p99Ms: n('p99') / 1000,
        rps: n('requests') / seconds,
        bps: n('bytes') / seconds,
      });
    });
  });
}
