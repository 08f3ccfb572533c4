// npm run bench:runtimes — issue 15's scenario: random 64 KiB and 2 MiB ranges of one file on Bun,
// served by nginx (sendfile), a minimal Bun.serve (Bun.file(path).slice), partial-content/fetch on
// Bun, and our Node shell (partialContent on bare node:http), all in the same run. Server pinned to
// CPU 0, wrk (1 thread, 50 connections) to CPU 1. Needs Bun: npm ci --prefix test/runtimes.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startNginx, staticFiles } from '../../test/helpers/nginx.js';
import { build } from '../build.js';
import { expectedBytes, writeFixture } from '../fixtures.js';
import { cleanupOnExit, killAll, startServerProcess, type RunningServer } from '../processes.js';
import { DONE_LUA, runWrk, type WrkResult } from '../wrk.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BUN = join(REPO, 'test/runtimes/node_modules/@oven/bun-linux-x64/bin/bun');
const SERVER_CPU = 0;
const LOAD_CPU = 1;
const SIZE = 256 * 1024 * 1024;
const FILL = 3;

const { values } = parseArgs({ options: { duration: { type: 'string', default: '5' }, reps: { type: 'string', default: '3' } } });
const seconds = Number(values.duration);
const reps = Number(values.reps);
if (!existsSync(BUN)) {
  process.stderr.write(`bench:runtimes needs Bun at ${BUN}: npm ci --prefix test/runtimes\n`);
  process.exit(1);
}
if (!existsSync(join(REPO, 'dist/fetch.js'))) {
  process.stderr.write('bench:runtimes serves dist/: npm run build first\n');
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), 'pc-bench-runtimes-'));
cleanupOnExit(() => rmSync(work, { recursive: true, force: true }));
const root = join(work, 'root');
const { mkdirSync } = await import('node:fs');
mkdirSync(root);
writeFixture(join(root, 'big.bin'), SIZE, FILL);
const built = build(REPO, join(REPO, 'bench', '.tmp', 'runtimes-build'), new Map());

const servers: Array<{ name: string; start: () => Promise<RunningServer> }> = [
  {
    name: 'nginx (sendfile)',
    start: async () => {
      const nginx = await startNginx(staticFiles(root), { cpu: SERVER_CPU, accessLog: false });
      return { name: 'nginx', port: nginx.port, pids: () => nginx.pids(), stop: () => nginx.stop() };
    },
  },
  { name: 'minimal Bun.serve', start: () => startServerProcess('bun-minimal', [BUN, join(REPO, 'bench/runtimes/bun-minimal.ts'), root], SERVER_CPU) },
  { name: 'partial-content/fetch on Bun', start: () => startServerProcess('bun-fetch', [BUN, join(REPO, 'bench/runtimes/fetch-shell.ts'), root], SERVER_CPU) },
  {
    name: 'partialContent on node:http',
    start: () => startServerProcess('node', [process.execPath, built.server, 'partialContent-bare', root, built.libraries.get('current') ?? ''], SERVER_CPU),
  },
];

const scenarios = [
  { name: '64 KiB ranges', length: 64 * 1024 },
  { name: '2 MiB ranges', length: 2 * 1024 * 1024 },
];

function script(length: number, seed: number): string {
  const path = join(work, `range-${length}-${seed}.lua`);
  writeFileSync(path, `
math.randomseed(${seed})
request = function()
  local s = math.random(0, ${SIZE - length})
  return wrk.format(nil, "/big.bin", { ["Range"] = "bytes=" .. s .. "-" .. (s + ${length} - 1) })
end
${DONE_LUA}`);
  return path;
}

/** One request checked byte for byte before the load: a fast wrong answer is not a result. */
function check(port: number, start: number, length: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request({ port, host: '127.0.0.1', path: '/big.bin', headers: { Range: `bytes=${start}-${start + length - 1}` }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        if (res.statusCode === 206 && body.equals(expectedBytes({ fill: FILL }, start, start + length - 1))) resolve();
        else reject(new Error(`port ${port}: ${res.statusCode} with ${body.length} bytes for ${start}+${length}`));
      });
    });
    req.setTimeout(10_000, () => req.destroy(new Error('no answer')));
    req.on('error', reject);
    req.end();
  });
}

const rows: string[] = [];
for (const server of servers) {
  const running = await server.start();
  const cells: string[] = [];
  try {
    for (const scenario of scenarios) {
      await check(running.port, 12_345, scenario.length);
      const results: WrkResult[] = [];
      for (let rep = 0; rep < reps; rep++) {
        results.push(await runWrk({ url: `http://127.0.0.1:${running.port}/big.bin`, script: script(scenario.length, rep + 1), seconds, connections: 50, cpu: LOAD_CPU }));
      }
      // The median run by requests per second.
      const median = results.sort((a, b) => a.rps - b.rps)[Math.floor(results.length / 2)]!;
      const errors = Object.values(median.errors).reduce((a, b) => a + b, 0);
      cells.push(`${Math.round(median.rps).toLocaleString('en-US')} req/s, ${(median.bps / 1e9).toFixed(2)} GB/s${errors > 0 ? ` (${errors} errors)` : ''}`);
      process.stderr.write(`${server.name}, ${scenario.name}: ${cells.at(-1)}\n`);
    }
  } finally {
    await running.stop();
  }
  rows.push(`| ${server.name} | ${cells.join(' | ')} |`);
}
killAll();
const bunVersion = readFileSync(join(REPO, 'test/runtimes/node_modules/@oven/bun-linux-x64/package.json'), 'utf8').match(/"version":\s*"([^"]+)"/)?.[1];
process.stdout.write(
  `Random ranges of a 256 MiB file; server on CPU ${SERVER_CPU}, wrk (1 thread, 50 connections) on CPU ${LOAD_CPU}; ` +
    `median of ${reps} runs of ${seconds} s; Bun ${bunVersion}, Node ${process.version}.\n\n` +
    `| server | ${scenarios.map((s) => s.name).join(' | ')} |\n|---|${scenarios.map(() => '---').join('|')}|\n${rows.join('\n')}\n`,
);
