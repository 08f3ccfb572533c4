// npm --prefix bench run micro -- [--reps 7] [--duration 2]: the building blocks of a response on node:http,
// each in its own process pinned to CPU 0, loaded by wrk on CPU 1 (50 connections, 4 KiB body);
// servers interleaved, medians of req/s and of server CPU time per response.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { transpileFile } from './build.js';
import { cleanupOnExit, cpuSeconds, startServerProcess, type RunningServer } from './processes.js';
import { median } from './report.js';
import { DONE_LUA, runWrk } from './wrk.js';

const MODES = [
  'writeHead(obj)',
  'setHeader+writeHead',
  'stream.finished(res)',
  "once('close')",
  'stat (callback)',
  'realpath (promises, as the middleware)',
  'open+fstat+close (callback)',
  'open+stat+close (FileHandle)',
  'statSync (blocking)',
  'openSync+fstatSync+closeSync (blocking)',
  '16 writes of 64 KiB',
  'express writeHead(obj)',
  'express 16 writes of 64 KiB',
  'express open+fstat+close (callback)',
  'setImmediate',
  'express setImmediate',
  'microtask',
  'express microtask',
];

const { values } = parseArgs({
  options: { reps: { type: 'string', default: '7' }, duration: { type: 'string', default: '2' }, modes: { type: 'string' } },
});
// --modes 'a|b|c' runs only those building blocks.
const modes = values.modes === undefined ? MODES : values.modes.split('|').filter((m) => MODES.includes(m));
const reps = Math.max(1, Math.min(50, Number(values.reps)));
const duration = Math.max(1, Math.min(60, Number(values.duration)));
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'partial-content-micro-'));
cleanupOnExit(() => rmSync(work, { recursive: true, force: true }));

async function main(): Promise<void> {
  const script = join(repo, 'bench', '.tmp', 'micro', 'micro-server.js');
  transpileFile(join(repo, 'bench', 'micro-server.ts'), script);
  const file = join(work, 'file.bin');
  writeFileSync(file, Buffer.alloc(4096, 7));
  const lua = join(work, 'done.lua');
  writeFileSync(lua, DONE_LUA);
  const servers: RunningServer[] = [];
  for (const mode of modes) servers.push(await startServerProcess(mode, [process.execPath, script, mode, file], 0));
  const results = new Map<string, { rps: number[]; cpu: number[] }>(modes.map((m) => [m, { rps: [], cpu: [] }]));
  for (let rep = 0; rep < reps; rep++) {
    for (const server of servers) {
      const before = cpuSeconds(server.pids()[0] ?? 0);
      const run = await runWrk({ url: `http://127.0.0.1:${server.port}/`, script: lua, seconds: duration, connections: 50, cpu: 1 });
      const cpu = cpuSeconds(server.pids()[0] ?? 0) - before;
      if (run.errors.status > 0 || run.requests === 0) throw new Error(`${server.name}: ${run.errors.status} bad statuses`);
      results.get(server.name)?.rps.push(run.rps);
      results.get(server.name)?.cpu.push((cpu / run.requests) * 1e6);
    }
  }
  await Promise.all(servers.map((server) => server.stop()));
  process.stdout.write(`| building block (${reps} × ${duration} s, medians) | req/s | CPU µs/response |\n| --- | --: | --: |\n`);
  for (const [mode, r] of results) process.stdout.write(`| ${mode} | ${Math.round(median(r.rps))} | ${median(r.cpu).toFixed(0)} |\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`micro: ${String(error)}\n`);
    process.exit(1);
  },
);
