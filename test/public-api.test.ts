import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';

describe('public API', () => {
  it('exports exactly these names, with no default export', () => {
    expect(Object.keys(api).sort()).toMatchInlineSnapshot(`
      [
        "HttpError",
        "blobSource",
        "bufferSource",
        "fileSource",
        "httpSource",
        "partialContent",
        "sendRange",
      ]
    `);
  });

  it.each([
    ['require()', "const m = require('partial-content'); console.log(Object.keys(m).sort().join())"],
    ['import', "import('partial-content').then((m) => console.log(Object.keys(m).sort().join()))"],
  ])('the built package loads with %s and exposes the same names', (_how, script) => {
    expect(existsSync('dist/index.js'), 'dist/ is missing: run npm run build').toBe(true);
    const output = execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }).trim();
    expect(output).toBe(Object.keys(api).sort().join());
  });

  it('ships types next to the code through the exports map', async () => {
    const pkg = (await import('../package.json', { with: { type: 'json' } })).default as {
      exports: { '.': { types: string; default: string } };
    };
    expect(pkg.exports['.']).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
    expect(existsSync(pkg.exports['.'].types)).toBe(true);
  });
});
