// Summarises V8 .cpuprofile files (node --cpu-prof): self time by function and by area.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Where a function lives: our library, Express and its dependencies, Node itself, or V8. */
function area(url: string, name: string): string {
  if (url === '') return name.startsWith('(') ? name : 'native';
  if (url.includes('/lib/current/') || url.includes('/lib/')) return url.includes('node_modules') ? 'packages' : 'partial-content';
  if (url.includes('node_modules/express') || url.includes('node_modules/router')) return 'express';
  if (url.includes('node_modules')) return 'packages';
  if (url.startsWith('node:')) return url.startsWith('node:internal/fs') ? 'node fs' : url.includes('http') || url.includes('net') || url.includes('stream') ? 'node http/net/streams' : 'node other';
  return 'other';
}

function shortUrl(url: string): string {
  const modules = url.lastIndexOf('node_modules/');
  if (modules !== -1) return url.slice(modules + 'node_modules/'.length);
  const lib = url.indexOf('/lib/current/');
  if (lib !== -1) return url.slice(lib + '/lib/current/'.length);
  return url.replace(/^file:\/\//, '');
}

type CallFrame = ProfileNode['callFrame'];
const keyOf = ({ functionName, url, lineNumber }: CallFrame): string => `${functionName || '(anonymous)'} ${shortUrl(url)}${url === '' ? '' : `:${lineNumber + 1}`}`;

export function summariseProfile(profile: CpuProfile, top = 25): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number;
    const delta = profile.timeDeltas[i] ?? 0;
    self.set(id, (self.get(id) ?? 0) + delta);
    total += delta;
  }
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  for (const [id, time] of self) {
    const node = byId.get(id);
    if (node === undefined) continue;
    const key = keyOf(node.callFrame);
    byFunction.set(key, (byFunction.get(key) ?? 0) + time);
    const where = area(node.callFrame.url, node.callFrame.functionName);
    byArea.set(where, (byArea.get(where) ?? 0) + time);
  }
  // Inclusive time: each sample counts once for every distinct function on its stack.
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const inclusive = new Map<string, number>();
  for (const [id, time] of self) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const node = byId.get(at);
      if (node === undefined) break;
      const key = keyOf(node.callFrame);
      if (seen.has(key) || key.startsWith('(root)') || key.startsWith('(idle)')) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + time);
    }
  }
  const busy = total - (byArea.get('(idle)') ?? 0);
  const pct = (time: number): string => `${((time / Math.max(1, busy)) * 100).toFixed(1).padStart(5)}%`;
  const lines = [`busy ${(busy / 1e6).toFixed(2)} s of ${(total / 1e6).toFixed(2)} s (percentages of busy time)`, 'by area:'];
  for (const [where, time] of [...byArea].filter(([w]) => w !== '(idle)').sort((a, b) => b[1] - a[1])) lines.push(`  ${pct(time)} ${where}`);
  lines.push(`top ${top} functions by self time:`);
  for (const [key, time] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    if (key.startsWith('(idle)')) continue;
    lines.push(`  ${pct(time)} ${key}`);
  }
  lines.push(`top ${top} functions by inclusive time:`);
  for (const [key, time] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(time)} ${key}`);
  return lines.join('\n');
}

/** Summarises each folder of profiles under `dir` into summary.txt beside them; returns all of it. */
export function summariseProfiles(dir: string): string {
  const out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return '(no profiles)';
  }
  for (const entry of entries.sort()) {
    const folder = join(dir, entry);
    if (!statSync(folder).isDirectory()) continue;
    for (const file of readdirSync(folder).filter((f) => f.endsWith('.cpuprofile'))) {
      const summary = summariseProfile(JSON.parse(readFileSync(join(folder, file), 'utf8')) as CpuProfile);
      writeFileSync(join(folder, `${basename(file, '.cpuprofile')}.txt`), `${summary}\n`);
      out.push(`== ${entry}\n${summary}`);
    }
  }
  return out.join('\n\n');
}

/** A node of V8's sampling heap profile (`HeapProfiler.stopSampling`): a call tree with bytes. */
interface HeapNode {
  readonly callFrame: CallFrame;
  readonly selfSize: number;
  readonly children: readonly HeapNode[];
}

/** Where the sampled bytes were allocated, per response: by area, then by function (self) and call path. */
export function summariseHeapProfile(profile: { head: HeapNode }, responses: number, top = 25): string {
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  const byPath = new Map<string, number>();
  let total = 0;
  const walk = (node: HeapNode, path: readonly string[]): void => {
    const key = keyOf(node.callFrame);
    const here = key.startsWith('(root)') ? path : [...path, key];
    if (node.selfSize > 0) {
      total += node.selfSize;
      byFunction.set(key, (byFunction.get(key) ?? 0) + node.selfSize);
      const where = area(node.callFrame.url, node.callFrame.functionName);
      byArea.set(where, (byArea.get(where) ?? 0) + node.selfSize);
      // The allocating function and three callers, so a Node internal names who asked for it.
      const trail = here.slice(-4).reverse().join(' ← ');
      byPath.set(trail, (byPath.get(trail) ?? 0) + node.selfSize);
    }
    for (const child of node.children) walk(child, here);
  };
  walk(profile.head, []);
  const per = (bytes: number): string => `${Math.round(bytes / Math.max(1, responses)).toLocaleString('en-US').padStart(7)} B`;
  const sorted = (map: Map<string, number>): Array<[string, number]> => [...map].sort((a, b) => b[1] - a[1]);
  const lines = [`sampled ${per(total)} per response over ${responses} responses`, 'by area:'];
  for (const [where, bytes] of sorted(byArea)) lines.push(`  ${per(bytes)} ${where}`);
  lines.push(`top ${top} functions by bytes allocated:`);
  for (const [key, bytes] of sorted(byFunction).slice(0, top)) lines.push(`  ${per(bytes)} ${key}`);
  lines.push(`top ${top} call paths (allocating function ← its callers):`);
  for (const [key, bytes] of sorted(byPath).slice(0, top)) lines.push(`  ${per(bytes)} ${key}`);
  return lines.join('\n');
}
