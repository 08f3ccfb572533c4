import type { AllocationResult } from './allocation.js';
import type { Scenario, ScenarioId } from './scenarios.js';
import type { SlowReadersResult } from './slow-readers.js';
import type { WrkResult } from './wrk.js';

/** One wrk run and the CPU time the server's processes used meanwhile. */
export type MeasuredRun = WrkResult & { readonly cpuSeconds: number };

export interface ScenarioResult {
  readonly scenario: Scenario;
  /** wrk runs per server, in repetition order. */
  readonly runs: ReadonlyMap<string, readonly MeasuredRun[]>;
  /** Peak RSS of each server's process over the scenario (a fresh process per scenario). */
  readonly peakRss: ReadonlyMap<string, number>;
  /** Heap bytes each Node server allocated over a separate load run (bench/allocation.ts). */
  readonly allocations: ReadonlyMap<string, AllocationResult>;
}

export interface RunData {
  readonly title: string;
  readonly settings: string;
  readonly machine: ReadonlyArray<readonly [string, string]>;
  readonly wallSeconds: number;
  readonly scenarios: readonly ScenarioResult[];
  readonly slow: ReadonlyMap<string, SlowReadersResult>;
  readonly slowSettings: string;
  readonly freshness: ReadonlyMap<string, string>;
  readonly failures: readonly string[];
}

export const STATIC = 'express.static';
export const NGINX_NAME = 'nginx';
export const CEILING = 'ceiling';
export const OURS = 'partialContent';
export const BARE = 'sendRange';

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Server CPU time per response, in microseconds (all threads: the libuv pool works for it too). */
export function cpuPerRequest(run: MeasuredRun): number {
  return (run.cpuSeconds / Math.max(1, run.requests)) * 1e6;
}

/**
 * Median over repetitions of a/b, each repetition's pair measured a few seconds apart. `measured`
 * compares req/s; `cpu` compares CPU time per response (b's over a's), which other processes on the
 * machine disturb far less: it is what the req/s ratio would be with each server owning its core.
 */
export function pairRatio(result: ScenarioResult, a: string, b: string, kind: 'measured' | 'cpu' = 'measured'): number {
  const runsA = result.runs.get(a);
  const runsB = result.runs.get(b);
  if (runsA === undefined || runsB === undefined) return Number.NaN;
  const ratios: number[] = [];
  for (let i = 0; i < Math.min(runsA.length, runsB.length); i++) {
    const runA = runsA[i] as MeasuredRun;
    const runB = runsB[i] as MeasuredRun;
    ratios.push(kind === 'measured' ? runA.rps / runB.rps : cpuPerRequest(runB) / cpuPerRequest(runA));
  }
  return median(ratios);
}

const MiB = 1024 * 1024;
const int = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '—');
const ratio = (n: number): string => (Number.isFinite(n) ? `${n.toFixed(2)}×` : '—');
const mib = (n: number): string => `${(n / MiB).toFixed(1)} MiB`;
/** Heap bytes allocated per response, or — where not counted (nginx, smoke runs). */
function heapPerResponse(result: ScenarioResult, name: string): string {
  const counted = result.allocations.get(name);
  return counted === undefined || counted.requests === 0 ? '—' : int(counted.heapBytes / counted.requests);
}

export interface Goal {
  readonly text: string;
  readonly value: string;
  readonly met: boolean | undefined;
  /** The same ratio from CPU time per response (see {@link pairRatio}). */
  readonly cpuValue?: string;
  readonly cpuMet?: boolean | undefined;
}

export function goals(data: RunData): Goal[] {
  const list: Goal[] = [];
  const byId = new Map<ScenarioId, ScenarioResult>(data.scenarios.map((s) => [s.scenario.id, s]));
  const atLeast = (id: ScenarioId, a: string, b: string, min: number, label: string): void => {
    const result = byId.get(id);
    if (result === undefined) return;
    const value = pairRatio(result, a, b);
    const cpu = pairRatio(result, a, b, 'cpu');
    list.push({
      text: `${label}: ${a} ≥ ${min}× ${b}`,
      value: ratio(value),
      met: Number.isFinite(value) ? value >= min : undefined,
      cpuValue: ratio(cpu),
      cpuMet: Number.isFinite(cpu) ? cpu >= min : undefined,
    });
  };
  atLeast('range64k', OURS, STATIC, 2, '64 KiB ranges');
  atLeast('range64k', OURS, CEILING, 0.8, '64 KiB ranges');
  atLeast('many', OURS, STATIC, 2, 'many files');
  atLeast('many', OURS, CEILING, 0.8, 'many files');
  atLeast('range2m', OURS, STATIC, 1.5, '2 MiB ranges');
  atLeast('notModified', OURS, STATIC, 3, '304');
  for (const result of data.scenarios) atLeast(result.scenario.id, BARE, 'sirv', 1, result.scenario.id);
  for (const name of [OURS, BARE]) {
    const slow = data.slow.get(name);
    if (slow === undefined) continue;
    list.push({ text: `500 slow readers: ${name} peak RSS ≤ 120 MiB`, value: mib(slow.peakRss), met: slow.peakRss <= 120 * MiB });
    const left = slow.fdsAfter - slow.fdsBefore;
    list.push({ text: `500 slow readers: ${name} leaves 0 descriptors open`, value: String(Math.max(0, left)), met: left <= 0 });
  }
  for (const name of [OURS, BARE]) {
    const fresh = data.freshness.get(name);
    if (fresh !== undefined) list.push({ text: `${name} sees a changed file (no stale validators)`, value: fresh, met: fresh === 'fresh' });
  }
  return list;
}

function scenarioTable(result: ScenarioResult): string {
  const rows = [
    '| server | req/s | MB/s | spread | × express.static | × nginx | × ceiling | CPU µs/req | CPU: × express.static | CPU: × ceiling | p99 ms | peak RSS | heap B/resp |',
    '| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |',
  ];
  for (const [name, runs] of result.runs) {
    const rps = runs.map((r) => r.rps);
    const med = median(rps);
    const spread = med > 0 ? ((Math.max(...rps) - Math.min(...rps)) / med) * 100 : Number.NaN;
    rows.push(
      `| ${name} | ${int(med)} | ${int(median(runs.map((r) => r.bps)) / 1e6)} | ±${Number.isFinite(spread) ? (spread / 2).toFixed(0) : '—'}% | ` +
        `${name === STATIC ? '1' : ratio(pairRatio(result, name, STATIC))} | ${name === NGINX_NAME ? '1' : ratio(pairRatio(result, name, NGINX_NAME))} | ` +
        `${name === CEILING ? '1' : ratio(pairRatio(result, name, CEILING))} | ${int(median(runs.map(cpuPerRequest)))} | ` +
        `${name === STATIC ? '1' : ratio(pairRatio(result, name, STATIC, 'cpu'))} | ${name === CEILING ? '1' : ratio(pairRatio(result, name, CEILING, 'cpu'))} | ` +
        `${median(runs.map((r) => r.p99Ms)).toFixed(1)} | ` +
        `${mib(result.peakRss.get(name) ?? 0)} | ${heapPerResponse(result, name)} |`,
    );
  }
  return rows.join('\n');
}

/** The generated part of RESULTS.md. */
export function renderMarkdown(data: RunData): string {
  const out: string[] = [];
  out.push(`## ${data.title}`, '', data.settings, '');
  out.push('| machine | |', '| --- | --- |', ...data.machine.map(([k, v]) => `| ${k} | ${v} |`), '');
  out.push(`Wall time of this run: ${Math.round(data.wallSeconds)} s.`, '');
  if (data.failures.length > 0) out.push('**Correctness failures:**', '', ...data.failures.map((f) => `- ${f}`), '');

  out.push('### Goals (ratios are medians of per-repetition pairs from this run)', '');
  const yes = (met: boolean | undefined): string => (met === undefined ? '—' : met ? 'yes' : '**no**');
  out.push('| goal | measured | met | CPU-normalised | met |', '| --- | --: | :-: | --: | :-: |');
  for (const goal of goals(data)) {
    out.push(`| ${goal.text} | ${goal.value} | ${yes(goal.met)} | ${goal.cpuValue ?? '—'} | ${goal.cpuValue === undefined ? '—' : yes(goal.cpuMet)} |`);
  }
  out.push('');

  for (const result of data.scenarios) {
    out.push(`### ${result.scenario.title}`, '', scenarioTable(result), '');
  }
  const ab = abTable(data);
  if (ab !== undefined) out.push('### A/B and A/A: this tree against each variant (> 1: this tree is faster; `@control` runs the same code, so its distance from 1 is the noise floor)', '', ab, '');
  if (data.slow.size > 0) {
    out.push('### 500 slow readers of a 1 GiB file', '', data.slowSettings, '');
    out.push('| server | RSS idle | peak RSS | JS heap used | Buffers | fds before | fds during | fds after | release ms | 200s seen |');
    out.push('| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: |');
    for (const [name, s] of data.slow) {
      const heap = s.heap === undefined ? '— | —' : `${mib(s.heap.heapUsed)} | ${mib(s.heap.arrayBuffers)}`;
      out.push(
        `| ${name} | ${mib(s.baselineRss)} | ${mib(s.peakRss)} | ${heap} | ${s.fdsBefore} | ${s.fdsDuring} | ${s.fdsAfter} | ${s.releaseMs} | ${s.answered} |`,
      );
    }
    out.push('');
  }
  if (data.freshness.size > 0) {
    out.push('### Does the server see a file changed after it started?', '');
    out.push('| server | result |', '| --- | --- |', ...[...data.freshness].map(([name, r]) => `| ${name} | ${r} |`), '');
  }
  return out.join('\n');
}

/** For every `name@variant` server: this tree's `name` over it, per scenario, measured and by CPU. */
function abTable(data: RunData): string | undefined {
  const pairs = new Set<string>();
  for (const result of data.scenarios) for (const name of result.runs.keys()) if (name.includes('@')) pairs.add(name);
  for (const name of data.slow.keys()) if (name.includes('@')) pairs.add(name);
  if (pairs.size === 0) return undefined;
  const rows = ['| scenario | server | req/s ratio | CPU ratio | heap B/resp |', '| --- | --- | --: | --: | --: |'];
  for (const result of data.scenarios) {
    for (const variant of pairs) {
      const base = variant.slice(0, variant.indexOf('@'));
      if (!result.runs.has(base) || !result.runs.has(variant)) continue;
      rows.push(
        `| ${result.scenario.id} | ${base} vs ${variant} | ${ratio(pairRatio(result, base, variant))} | ${ratio(pairRatio(result, base, variant, 'cpu'))} | ` +
          `${heapPerResponse(result, base)} vs ${heapPerResponse(result, variant)} |`,
      );
    }
  }
  for (const variant of pairs) {
    const base = variant.slice(0, variant.indexOf('@'));
    const a = data.slow.get(base);
    const b = data.slow.get(variant);
    if (a !== undefined && b !== undefined) rows.push(`| slow (peak RSS) | ${base} vs ${variant} | ${mib(a.peakRss)} vs ${mib(b.peakRss)} | | |`);
  }
  return rows.join('\n');
}

export const BEGIN = '<!-- bench:begin -->';
export const END = '<!-- bench:end -->';

/** Replaces the generated section of an existing document (hand-written notes around it stay). */
export function spliceGenerated(document: string | undefined, generated: string): string {
  const block = `${BEGIN}\n${generated}\n${END}`;
  if (document === undefined) return `# Benchmark results\n\n${block}\n`;
  const begin = document.indexOf(BEGIN);
  const end = document.indexOf(END);
  if (begin === -1 || end === -1 || end < begin) return `${document.trimEnd()}\n\n${block}\n`;
  return document.slice(0, begin) + block + document.slice(end + END.length);
}
