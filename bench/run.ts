// npm run bench [-- --smoke] — see bench/RESULTS.md for what it measures and the latest numbers.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from './build.js';
import type { AllocationResult } from './allocation.js';
import { summariseHeapProfile, summariseProfiles } from './profile.js';
import { createFixtures, FRESH_A, FRESH_B, expectedBytes, rewriteFresh, type Fixtures } from './fixtures.js';
import { nginxInstalled, staticFiles, startNginx, NGINX } from '../test/helpers/nginx.js';
import { cleanupOnExit, cpuSeconds, memory, startServerProcess, type RunningServer } from './processes.js';
import { BARE, CEILING, goals, OURS, renderMarkdown, spliceGenerated, type MeasuredRun, type RunData, type ScenarioResult } from './report.js';
import { checkSample, fetch, scenarios as allScenarios, type Scenario, type ScenarioId } from './scenarios.js';
import { slowReaders, type SlowReadersResult } from './slow-readers.js';
import { runWrk, type WrkResult } from './wrk.js';
import { BUN_FETCH, BUN_MINIMAL, BUN_MINIMAL_STAT, BUN_MISSING, BUN_SCENARIOS, bunCommand, bunInstalled, bunSummary } from './runtimes/bun.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PROFILES = join(REPO, 'bench', '.tmp', 'profiles');
const ALLOC_SITES = join(REPO, 'bench', '.tmp', 'alloc');
const SERVER_CPU = 0;
const LOAD_CPU = 1;

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    duration: { type: 'string' },
    reps: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string', default: '50' },
    scenarios: { type: 'string' },
    servers: { type: 'string' },
    variant: { type: 'string', multiple: true, default: [] },
    readers: { type: 'string', default: '500' },
    hold: { type: 'string' },
    sparse: { type: 'boolean' },
    out: { type: 'string' },
    'no-slow': { type: 'boolean', default: false },
    /** Also run sendRange inside Express and partialContent without it (default: full runs). */
    diagnostics: { type: 'boolean' },
    /** Also run a second partialContent process (an A/A pair: the noise floor; default: full runs). */
    control: { type: 'boolean' },
    /** CPU-profile our servers (node --cpu-prof) and summarise each profile next to the results. */
    profile: { type: 'boolean', default: false },
    /** Seconds of load during which each Node server counts the heap bytes it allocates (0: off). */
    alloc: { type: 'string' },
    /** Also sample where those bytes are allocated (V8's sampling heap profiler), into bench/.tmp/alloc/. */
    'alloc-sites': { type: 'boolean', default: false },
  },
});

const smoke = values.smoke;
const number = (value: string | undefined, fallback: number, name: string): number => {
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isFinite(n) || n < 0) throw new TypeError(`--${name} must be a non-negative number`);
  return n;
};
const duration = Math.max(1, number(values.duration, smoke ? 1 : 3, 'duration'));
const reps = Math.max(1, Math.min(20, number(values.reps, smoke ? 1 : 5, 'reps')));
const warmup = number(values.warmup, smoke ? 0 : 1, 'warmup');
const connections = Math.max(1, Math.min(1000, number(values.connections, 50, 'connections')));
const readers = Math.max(1, Math.min(2000, number(values.readers, 500, 'readers')));
const holdMs = number(values.hold, smoke ? 2 : 6, 'hold') * 1000;
const sparse = values.sparse ?? smoke;
const out = values.out ?? (smoke ? join(REPO, 'bench', '.tmp', 'RESULTS.smoke.md') : join(REPO, 'bench', 'RESULTS.md'));
const onlyScenarios = values.scenarios?.split(',');
const onlyServers = values.servers?.split(',');
const diagnostics = values.diagnostics ?? (!smoke || onlyServers !== undefined);
const control = values.control ?? (!smoke || onlyServers !== undefined);
const allocSeconds = number(values.alloc, smoke ? 1 : 2, 'alloc');

/** A server of the run: a kind of bench/server.ts (with a library variant), nginx, or a Bun server. */
interface ServerDef {
  readonly name: string;
  readonly kind: string;
  readonly variant?: string;
  /** The scenarios it joins (default: all, and the slow readers). */
  readonly only?: readonly ScenarioId[];
}

const variants = new Map<string, string>();
for (const spec of values.variant) {
  const [name, where] = spec.split('=');
  if (name === undefined || where === undefined) throw new TypeError('--variant must be name=git-revision-or-src-folder');
  variants.set(name, where);
}

const servers: ServerDef[] = [
  { name: OURS, kind: 'partialContent', variant: 'current' },
  { name: BARE, kind: 'sendRange', variant: 'current' },
  // Diagnostics (full runs, or when named in --servers): where the time between the two goes.
  ...(diagnostics
    ? [
        { name: 'sendRange-in-express', kind: 'sendRange-in-express', variant: 'current' },
        { name: 'partialContent-bare', kind: 'partialContent-bare', variant: 'current' },
      ]
    : []),
  // Only when named in --servers: partialContent with etag: 'content' (RESULTS.md, "etag: 'content'").
  ...(onlyServers?.includes('partialContent-etag-content') === true
    ? [{ name: 'partialContent-etag-content', kind: 'partialContent-etag-content', variant: 'current' }]
    : []),
  // A/A control: a second process of the same code; its ratio to partialContent is the noise floor.
  ...(control ? [{ name: `${OURS}@control`, kind: 'partialContent', variant: 'current' }] : []),
  // The same for sendRange, when named in --servers.
  ...(onlyServers === undefined ? [] : [{ name: `${BARE}@control`, kind: 'sendRange', variant: 'current' }]),
  ...[...variants.keys()].flatMap((v) => [
    { name: `${OURS}@${v}`, kind: 'partialContent', variant: v },
    { name: `${BARE}@${v}`, kind: 'sendRange', variant: v },
    ...(onlyServers === undefined
      ? []
      : [
          { name: `sendRange-in-express@${v}`, kind: 'sendRange-in-express', variant: v },
          { name: `partialContent-bare@${v}`, kind: 'partialContent-bare', variant: v },
        ]),
  ]),
  { name: 'express.static', kind: 'express.static' },
  { name: 'res.sendFile', kind: 'res.sendFile' },
  { name: '@fastify/static', kind: '@fastify/static' },
  { name: 'sirv', kind: 'sirv' },
  ...(nginxInstalled ? [{ name: 'nginx', kind: 'nginx' }] : []),
  // Issue 15: the range scenarios on Bun, the fetch shell against the least a Bun server can do.
  ...(bunInstalled
    ? [
        { name: BUN_FETCH, kind: BUN_FETCH, variant: 'current', only: BUN_SCENARIOS },
        { name: BUN_MINIMAL, kind: BUN_MINIMAL, only: BUN_SCENARIOS },
        { name: BUN_MINIMAL_STAT, kind: BUN_MINIMAL_STAT, only: BUN_SCENARIOS },
      ]
    : []),
  { name: CEILING, kind: 'ceiling' },
].filter((s) => onlyServers === undefined || onlyServers.includes(s.name));

const ours = (name: string): boolean => name.startsWith(OURS) || name.startsWith(BARE);

function sh(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string };
    return `${e.stdout ?? ''}${e.stderr ?? ''}`.trim();
  }
}

function log(message: string): void {
  process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

for (const tool of ['wrk', 'taskset']) {
  if (sh('sh', ['-c', `command -v ${tool}`]) === '') {
    process.stderr.write(`bench: ${tool} is required (Debian: apt-get install wrk util-linux)\n`);
    process.exit(1);
  }
}

const startedAt = Date.now();
const workDir = mkdtempSync(join(tmpdir(), 'partial-content-bench-run-'));
let fixtures: Fixtures | undefined;
cleanupOnExit(() => {
  fixtures?.cleanup();
  rmSync(workDir, { recursive: true, force: true });
});
// Bounded in time whatever happens: a hang fails the run instead of holding CI.
const deadlineMinutes = smoke ? 8 : 120;
setTimeout(() => {
  process.stderr.write(`bench: gave up after ${deadlineMinutes} minutes\n`);
  process.exit(1);
}, deadlineMinutes * 60_000).unref();

const failures: string[] = [];
function fail(message: string): void {
  failures.push(message);
  log(`FAIL ${message}`);
}

async function startServer(def: ServerDef, built: ReturnType<typeof build>, root: string, label: string): Promise<RunningServer> {
  if (def.kind === 'nginx') {
    const nginx = await startNginx(staticFiles(root), { cpu: SERVER_CPU, accessLog: false });
    return { name: def.name, port: nginx.port, pids: () => nginx.pids(), stop: () => nginx.stop() };
  }
  const library = built.libraries.get(def.variant ?? 'current') ?? '';
  const bun = bunCommand(def.kind, root, library);
  if (bun !== undefined) return startServerProcess(def.name, bun, SERVER_CPU);
  const nodeFlags = values.profile && ours(def.name) ? ['--cpu-prof', '--cpu-prof-dir', join(PROFILES, `${label}-${def.name}`)] : [];
  return startServerProcess(def.name, [process.execPath, ...nodeFlags, built.server, def.kind, root, library], SERVER_CPU);
}

const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

async function freshness(server: RunningServer, f: Fixtures): Promise<string> {
  rewriteFresh(f, FRESH_A);
  const first = await fetch(server.port, f.fresh.url, {}, 1024 * 1024);
  if (first.status !== 200 || !first.body.equals(expectedBytes(FRESH_A, 0, FRESH_A.size - 1))) return `error (status ${first.status})`;
  const etag = first.headers['etag'];
  rewriteFresh(f, FRESH_B);
  try {
    const second = await fetch(server.port, f.fresh.url, typeof etag === 'string' ? { 'If-None-Match': etag } : {}, 1024 * 1024);
    if (second.status === 304) return 'stale (304 for the old entity tag)';
    if (second.status !== 200) return `error (status ${second.status})`;
    if (second.headers['content-length'] !== String(FRESH_B.size)) return `stale (Content-Length ${String(second.headers['content-length'])})`;
    if (!second.body.equals(expectedBytes(FRESH_B, 0, FRESH_B.size - 1))) return 'stale (wrong bytes)';
    return 'fresh';
  } catch (error) {
    return `stale (${String(error).slice(0, 80)})`;
  } finally {
    rewriteFresh(f, FRESH_A);
  }
}

async function runScenario(
  scenario: Scenario,
  defs: readonly ServerDef[],
  built: ReturnType<typeof build>,
  f: Fixtures,
  freshnessResults: Map<string, string> | undefined,
): Promise<ScenarioResult> {
  log(`scenario ${scenario.id}: ${scenario.title}`);
  const running = await Promise.all(defs.map((def) => startServer(def, built, f.root, scenario.id)));
  try {
    const usable: { def: ServerDef; server: RunningServer; script: string }[] = [];
    for (const [i, def] of defs.entries()) {
      const server = running[i] as RunningServer;
      // The ceiling is a memory cache by design: it is there for speed only.
      if (freshnessResults !== undefined && def.name !== CEILING) {
        const result = await freshness(server, f).catch((error: unknown) => `error (${String(error)})`);
        freshnessResults.set(def.name, result);
        if ((ours(def.name) || def.kind === BUN_FETCH) && result !== 'fresh') fail(`${def.name}: a changed file was not seen: ${result}`);
      }
      let etag: string | undefined;
      if (scenario.needsEtag) {
        const got = await fetch(server.port, scenario.path, {}, 4 * 1024 * 1024);
        etag = typeof got.headers['etag'] === 'string' ? got.headers['etag'] : undefined;
        if (etag === undefined) {
          fail(`${scenario.id} ${def.name}: no ETag`);
          continue;
        }
      }
      const problems: string[] = [];
      for (const sample of scenario.samples(smoke ? 3 : 6, etag)) {
        const problem = await checkSample(server.port, sample);
        if (problem !== undefined) problems.push(problem);
      }
      if (problems.length > 0) {
        fail(`${scenario.id} ${def.name}: ${problems.slice(0, 3).join('; ')}`);
        continue;
      }
      const script = join(workDir, `${scenario.id}-${i}.lua`);
      writeFileSync(script, scenario.lua({ etag, seed: 1000 + i }));
      usable.push({ def, server, script });
    }

    const runs = new Map<string, MeasuredRun[]>(usable.map(({ def }) => [def.name, []]));
    const wrk = (server: RunningServer, script: string, seconds: number): Promise<WrkResult> =>
      runWrk({ url: `http://127.0.0.1:${server.port}${scenario.path}`, script, seconds, connections, cpu: LOAD_CPU });
    for (let rep = 0; rep < reps; rep++) {
      // Rotate the order so drift in the machine's load does not always favour the same server.
      for (let k = 0; k < usable.length; k++) {
        const { def, server, script } = usable[(k + rep) % usable.length] as (typeof usable)[number];
        if (rep === 0 && warmup > 0) await wrk(server, script, warmup);
        const cpuBefore = sum(server.pids().map(cpuSeconds));
        const measured = await wrk(server, script, duration);
        const result = { ...measured, cpuSeconds: sum(server.pids().map(cpuSeconds)) - cpuBefore };
        checkLoad(scenario, def.name, result);
        runs.get(def.name)?.push(result);
        log(
          `  ${scenario.id} rep ${rep + 1}/${reps} ${def.name}: ${Math.round(result.rps)} req/s, ${(result.bps / 1e6).toFixed(0)} MB/s, ` +
            `${((result.cpuSeconds / result.requests) * 1e6).toFixed(0)} µs CPU/req`,
        );
      }
    }
    const peakRss = new Map<string, number>(usable.map(({ def, server }) => [def.name, sum(server.pids().map((pid) => memory(pid).peak))]));
    const allocations = new Map<string, AllocationResult>();
    // Smoke runs count our servers' allocations only: the path is checked, CI's time spared.
    // Only bench/server.ts's Node servers can count (nginx and Bun have no /__bench/alloc).
    const counts = (def: ServerDef): boolean => def.kind !== 'nginx' && def.only === undefined && (!smoke || ours(def.name));
    for (const { def, server, script } of usable.filter(({ def }) => allocSeconds > 0 && counts(def))) {
      const result = await countAllocations(server, (seconds) => wrk(server, script, seconds), `${scenario.id}-${def.name.replace(/\W/g, '_')}`);
      allocations.set(def.name, result);
      log(`  ${scenario.id} ${def.name}: ${Math.round(result.heapBytes / Math.max(1, result.requests))} heap bytes allocated per response (${result.requests} responses, ${result.collections} GCs)`);
    }
    return { scenario, runs, peakRss, allocations };
  } finally {
    await Promise.all(running.map((server) => server.stop()));
  }
}

/**
 * Heap bytes a server allocates per response under steady load (see bench/allocation.ts), and where
 * from with --alloc-sites. The count starts half a second into the load and stops before it ends, so
 * wrk's connection setup and teardown stay outside it; requests in flight at either edge even out.
 */
async function countAllocations(server: RunningServer, load: (seconds: number) => Promise<unknown>, label: string): Promise<AllocationResult> {
  const control = async (what: string): Promise<AllocationResult> => {
    const got = await fetch(server.port, `/__bench/alloc/${what}`, {}, 512 * 1024 * 1024);
    if (got.status !== 200) throw new Error(`${server.name}: /__bench/alloc/${what} answered ${got.status}`);
    return JSON.parse(got.body.toString()) as AllocationResult;
  };
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
  const loaded = load(allocSeconds + 1);
  await sleep(500);
  await control(values['alloc-sites'] ? 'start?sites' : 'start');
  await sleep(allocSeconds * 1000);
  const { profile, ...result } = await control('stop');
  await loaded;
  if (profile !== undefined) {
    mkdirSync(ALLOC_SITES, { recursive: true });
    writeFileSync(join(ALLOC_SITES, `${label}.heapprofile`), JSON.stringify(profile));
    writeFileSync(join(ALLOC_SITES, `${label}.txt`), `${summariseHeapProfile(profile as Parameters<typeof summariseHeapProfile>[0], result.requests)}\n`);
  }
  return result;
}

/** Under load, statuses and sizes must stay right too: no non-2xx/3xx, bytes per response as expected. */
function checkLoad(scenario: Scenario, name: string, result: WrkResult): void {
  if (result.requests === 0) {
    // 50 connections of 2 MiB answers need ~100 MB before the first completes: a slow server that moves
    // bytes can complete none in a 1 s smoke window (@fastify/static did, at 74 MB/s). That is speed,
    // not a wrong answer; only a server that moved nothing at all has hung.
    if (result.bytes === 0) fail(`${scenario.id} ${name}: no request completed and no byte received`);
    else log(`${scenario.id} ${name}: no request completed within ${result.seconds} s (${Math.round(result.bytes / 1e6)} MB received): too slow for this window, not wrong`);
    return;
  }
  if (result.errors.status > 0) fail(`${scenario.id} ${name}: ${result.errors.status} responses outside 2xx/3xx under load`);
  // wrk counts bytes of responses still in flight at the end too: allow one response per connection.
  const headerAllowance = 1024;
  const min = result.requests * scenario.bodyBytes;
  const max = (result.requests + connections) * (scenario.bodyBytes + headerAllowance);
  if (result.bytes < min || result.bytes > max) {
    fail(`${scenario.id} ${name}: ${result.bytes} bytes for ${result.requests} responses of ${scenario.bodyBytes} body bytes`);
  }
}

function machine(): Array<[string, string]> {
  const nginxVersion = nginxInstalled ? sh('sh', ['-c', `${NGINX} -v 2>&1`]).replace(/^nginx version:\s*/, '') : 'not installed';
  return [
    ['nproc', String(availableParallelism())],
    ['CPU', cpus()[0]?.model ?? 'unknown'],
    ['memory', `${Math.round(totalmem() / 1024 ** 3)} GiB`],
    ['kernel', release()],
    ['node', process.version],
    ['nginx', nginxVersion],
    ['wrk', sh('sh', ['-c', 'wrk -v 2>&1 | head -1']).split(' Copyright')[0] ?? ''],
    ['commit', `${sh('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD'])}${sh('git', ['-C', REPO, 'status', '--porcelain', 'src']) === '' ? '' : ' (src modified)'}`],
    ['load average at start', loadavg().map((n) => n.toFixed(2)).join(' ')],
  ];
}

async function main(): Promise<void> {
  const details = machine();
  log(`building servers (${servers.map((s) => s.name).join(', ')})`);
  const built = build(REPO, join(REPO, 'bench', '.tmp', 'build'), variants);
  log(`creating fixtures (1 GiB file ${sparse ? 'sparse' : 'written'})`);
  if (values.profile) rmSync(PROFILES, { recursive: true, force: true });
  if (values['alloc-sites']) rmSync(ALLOC_SITES, { recursive: true, force: true });
  const f = createFixtures({ sparse });
  fixtures = f;

  const scenarioList = allScenarios(f).filter((s) => onlyScenarios === undefined || onlyScenarios.includes(s.id));
  const results: ScenarioResult[] = [];
  const freshnessResults = new Map<string, string>();
  if (!bunInstalled) log(BUN_MISSING);
  for (const [i, scenario] of scenarioList.entries()) {
    const joining = servers.filter((def) => def.only === undefined || def.only.includes(scenario.id));
    results.push(await runScenario(scenario, joining, built, f, i === 0 ? freshnessResults : undefined));
  }

  const slow = new Map<string, SlowReadersResult>();
  const runSlow = !values['no-slow'] && (onlyScenarios === undefined || onlyScenarios.includes('slow'));
  if (runSlow) {
    log(`scenario slow: ${readers} slow readers of a 1 GiB file, held ${holdMs / 1000} s`);
    for (const def of servers.filter((s) => s.name !== CEILING && s.only === undefined)) {
      const server = await startServer(def, built, f.root, 'slow');
      try {
        const result = await slowReaders(server, { count: readers, holdMs, answerMs: smoke ? 10_000 : 30_000, settleMs: smoke ? 5000 : 10_000, path: f.r1g.url, warmPath: f.whole1m.url });
        slow.set(def.name, result);
        log(`  slow ${def.name}: peak ${(result.peakRss / 2 ** 20).toFixed(1)} MiB, fds ${result.fdsBefore} → ${result.fdsDuring} → ${result.fdsAfter}, ${result.answered} answered`);
        if (result.wrongStatus > 0) fail(`slow ${def.name}: ${result.wrongStatus} answers were not 200`);
        if (ours(def.name) && result.fdsAfter > result.fdsBefore) fail(`slow ${def.name}: ${result.fdsAfter - result.fdsBefore} descriptors left open`);
      } finally {
        await server.stop();
      }
    }
  }

  details.push(['load average at end', loadavg().map((n) => n.toFixed(2)).join(' ')]);
  const data: RunData = {
    title: `${smoke ? 'Smoke run' : 'Run'} of ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    settings:
      `wrk: 1 thread, ${connections} connections, pinned to CPU ${LOAD_CPU}; servers pinned to CPU ${SERVER_CPU}, one process each, ` +
      `started fresh for every scenario. ${reps} repetition(s) of ${duration} s per server after a ${warmup} s warm-up, ` +
      `servers interleaved (order rotated per repetition). req/s and MB/s (10^6 bytes/s, headers included) are medians; ` +
      `spread is ±half the min–max range; ratios are medians of per-repetition ratios. The 1 GiB file is ${sparse ? 'sparse' : 'real'}.`,
    machine: details,
    wallSeconds: (Date.now() - startedAt) / 1000,
    scenarios: results,
    slow,
    slowSettings:
      `${readers} clients each GET the whole file and read one socket chunk every 250 ms; once all have their status line ` +
      `(or after ${smoke ? 10 : 30} s), they go on for ${holdMs / 1000} s, then all abort. ` +
      `Peak RSS is VmHWM (reset before the readers connect; nginx: master + worker). Descriptors from /proc/<pid>/fd; ` +
      `"after" is read once the count is back to "before", or after ${smoke ? 5 : 10} s.`,
    freshness: freshnessResults,
    failures,
  };
  if (values.profile) log(`profiles:\n${summariseProfiles(PROFILES)}`);
  const bun = bunSummary(results, [OURS, 'partialContent-bare'].filter((name) => servers.some((s) => s.name === name)));
  for (const line of bun) log(line);
  const markdown = `${renderMarkdown(data)}\n### Bun: the fetch shell against a minimal Bun.serve and nginx (issue 15)\n\n${bun.join('\n')}\n`;
  writeFileSync(out, spliceGenerated(existsSync(out) ? readFileSync(out, 'utf8') : undefined, markdown));
  log(`wrote ${out}`);
  for (const goal of goals(data)) {
    const cpu = goal.cpuValue === undefined ? '' : ` (CPU-normalised ${goal.cpuValue}${goal.cpuMet === true ? ', met' : ''})`;
    log(`goal ${goal.met === undefined ? '—' : goal.met ? 'met ' : 'MISS'} ${goal.text}: ${goal.value}${cpu}`);
  }
  log(`done in ${Math.round(data.wallSeconds)} s; ${failures.length} correctness failure(s)`);
  // Speed never fails the run; only wrong answers do.
  process.exitCode = failures.length > 0 ? 1 : 0;
}

main().then(
  () => process.exit(),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
