// Issue 15's scenario inside `npm run bench`: the 64 KiB and 2 MiB range scenarios also run against
// partial-content/fetch on Bun.serve and a minimal Bun.serve answering `Bun.file(path).slice(a, b + 1)`,
// next to nginx and our Node shells in the same run. Skipped, saying so, when Bun is not installed.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pairRatio, type ScenarioResult } from '../report.js';
import type { ScenarioId } from '../scenarios.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const HERE = dirname(fileURLToPath(import.meta.url));

/** The Bun that `npm ci --prefix test/runtimes` installs (what CI runs test:runtimes with). */
export const BUN = join(REPO, 'test/runtimes/node_modules/@oven/bun-linux-x64/bin/bun');
export const bunInstalled = existsSync(BUN);
export const BUN_MISSING = `Bun scenario skipped: Bun is not installed (npm ci --prefix test/runtimes installs it at ${BUN})`;

/** The reference: the least a Bun server does to answer a range from a file. */
export const BUN_MINIMAL = 'bun-minimal';
/** The same after one awaited node:fs `stat`: the least a non-blocking, never-stale server does. */
export const BUN_MINIMAL_STAT = 'bun-minimal+stat';
/** partial-content/fetch's serveFiles on Bun.serve. */
export const BUN_FETCH = 'fetch-on-bun';
/** The scenarios the Bun servers join. */
export const BUN_SCENARIOS: readonly ScenarioId[] = ['range64k', 'range2m'];

/** The command line of a Bun server of the run; `library` is the built library's `index.js`. */
export function bunCommand(kind: string, root: string, library: string): string[] | undefined {
  if (kind === BUN_MINIMAL) return [BUN, join(HERE, 'bun-minimal.ts'), root];
  if (kind === BUN_MINIMAL_STAT) return [BUN, join(HERE, 'bun-minimal.ts'), root, 'stat'];
  if (kind === BUN_FETCH) return [BUN, join(HERE, 'fetch-shell.ts'), root, join(dirname(library), 'fetch.js')];
  return undefined;
}

const ratio = (n: number): string => (Number.isFinite(n) ? `${n.toFixed(2)}×` : '—');

/**
 * The comparison as ratios of the same run (medians of per-repetition pairs; CPU-normalised in
 * brackets): the fetch shell on Bun should stay within 10 % of the minimal Bun server.
 */
export function bunSummary(results: readonly ScenarioResult[], nodeShells: readonly string[]): string[] {
  if (!bunInstalled) return [BUN_MISSING];
  const row = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  const lines = [
    row(['scenario', 'fetch on Bun × minimal Bun (goal ≥ 0.90×)', 'fetch on Bun × minimal Bun + one async stat', 'minimal + stat × minimal', 'fetch on Bun × nginx', 'minimal Bun × nginx', ...nodeShells.map((n) => `${n} × fetch on Bun`)]),
    row(['---', '--:', '--:', '--:', '--:', '--:', ...nodeShells.map(() => '--:')]),
  ];
  for (const result of results.filter((r) => BUN_SCENARIOS.includes(r.scenario.id))) {
    const pair = (a: string, b: string): string => `${ratio(pairRatio(result, a, b))} (${ratio(pairRatio(result, a, b, 'cpu'))})`;
    lines.push(row([result.scenario.title, pair(BUN_FETCH, BUN_MINIMAL), pair(BUN_FETCH, BUN_MINIMAL_STAT), pair(BUN_MINIMAL_STAT, BUN_MINIMAL), pair(BUN_FETCH, 'nginx'), pair(BUN_MINIMAL, 'nginx'), ...nodeShells.map((n) => pair(n, BUN_FETCH))]));
  }
  return lines;
}
