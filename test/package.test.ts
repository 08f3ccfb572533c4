import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

// What `npm pack` would put in the tarball, without running lifecycle scripts (dist/ is built by the
// unit project's global setup). Everything here is checked against that list: a file in the repository
// but not in the package is a broken link or a dangling source map for whoever installed it.
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const packed = JSON.parse(
  execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
) as [{ files: { path: string }[] }];
const files = new Set(packed[0].files.map((file) => file.path));

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, heading = ''] of withoutCode(markdown).matchAll(/^#{1,6} +(.+)$/gm)) {
    const base = heading.replace(/`/g, '').trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

function withoutCode(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '');
}

/** Link and image targets, outside code blocks and code spans. */
function linksOf(markdown: string): string[] {
  const prose = withoutCode(markdown).replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((match) => match[1] ?? '');
}

describe('the published package', () => {
  it('ships the README, the licence, the security notes, the code, its types and maps, and nothing of the repository', () => {
    expect(files.has('README.md') && files.has('LICENSE') && files.has('SECURITY.md')).toBe(true);
    expect(files.has('dist/index.js') && files.has('dist/index.d.ts') && files.has('dist/index.js.map')).toBe(true);
    expect([...files].filter((file) => /^(test|examples|bench|docs)\//.test(file) || file === 'CONTRIBUTING.md')).toEqual([]);
  });

  it.each(['README.md', 'SECURITY.md'])('%s links only to files the package contains and to its own headings', (name) => {
    const markdown = readFileSync(name, 'utf8');
    const anchors = anchorsOf(markdown);
    const broken = linksOf(markdown).filter((target) => {
      if (/^(https?|mailto):/.test(target)) return false;
      if (target.startsWith('#')) return !anchors.has(target.slice(1));
      const [path = ''] = target.split('#');
      return !files.has(normalize(path));
    });
    expect(broken).toEqual([]);
  });

  it('source maps name only files the package contains (stack traces under --enable-source-maps point at real files)', () => {
    const maps = [...files].filter((file) => file.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(10);
    const dangling = maps.flatMap((map) => {
      const { sources } = JSON.parse(readFileSync(map, 'utf8')) as { sources: string[] };
      return sources.map((source) => normalize(join(dirname(map), source))).filter((source) => !files.has(source)).map((source) => `${map} → ${source}`);
    });
    expect(dangling).toEqual([]);
  });

  it('runs no script when installed (npm 11 warns about install scripts, prepare included)', () => {
    const { scripts = {} } = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts?: Record<string, string> };
    const installTime = ['preinstall', 'install', 'postinstall', 'prepare'].filter((name) => name in scripts);
    expect(installTime).toEqual([]);
    // The tarball is built on pack instead, so a published package always carries a fresh dist/.
    expect(scripts['prepack']).toBe('npm run build');
  });
});
