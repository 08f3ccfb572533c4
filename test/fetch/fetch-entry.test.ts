import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as api from '../../src/fetch.js';

/** Every module specifier outside dist/ that `entry` reaches through its static imports. */
function externalImports(entry: string): string[] {
  const seen = new Set<string>();
  const external = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    // In emitted JS, `from '…'` and `import('…')` occur only in module statements and dynamic imports.
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*)['"]([^'"]+)['"]/g)) {
      if (specifier!.startsWith('.')) visit(resolve(dirname(file), specifier!));
      else external.add(specifier!);
    }
  };
  visit(resolve(entry));
  return [...external].sort();
}

describe('partial-content/fetch', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(api).sort()).toEqual(['HttpError', 'blobSource', 'bufferSource', 'fileSource', 'rangeResponse', 'serveFiles']);
  });

  it('is in the exports map with its types', async () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { exports: Record<string, { types: string; default: string }> };
    expect(pkg.exports['./fetch']).toEqual({ types: './dist/fetch.d.ts', default: './dist/fetch.js' });
    expect(existsSync(join('dist', 'fetch.d.ts'))).toBe(true);
  });

  it('reaches neither Express nor node:http: only these modules outside the package', () => {
    expect(existsSync('dist/fetch.js'), 'dist/ is missing: run npm run build').toBe(true);
    expect(externalImports('dist/fetch.js')).toEqual(['mime', 'ms', 'node:crypto', 'node:fs', 'node:fs/promises', 'node:path', 'node:stream', 'range-parser']);
  });

  it('loads by its package name without loading any HTTP server module', () => {
    const script = "await import('partial-content/fetch'); console.log(JSON.stringify(process.moduleLoadList.filter((m) => /http|express/i.test(m))))";
    const loaded = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).trim();
    expect(JSON.parse(loaded)).toEqual([]);
  });
});
