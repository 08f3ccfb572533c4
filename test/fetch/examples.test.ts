import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixtures, type Fixtures } from '../helpers/fixtures.js';

// The README's "Fetch API" snippets are the files in examples/fetch/, verbatim; Hono's and the
// Next.js route handler run here, Bun's and Deno's in test/runtimes/runtimes.test.ts.
let fixtures: Fixtures;
beforeAll(() => {
  fixtures = createFixtures();
  process.env['MEDIA_DIR'] = fixtures.root;
});
afterAll(() => {
  delete process.env['MEDIA_DIR'];
  fixtures.cleanup();
});

describe('README: Fetch API snippets', () => {
  it.each(['hono.ts', 'next-route.ts', 'bun.ts', 'deno.ts'])('examples/fetch/%s is in the README as written', (name) => {
    const code = readFileSync(`examples/fetch/${name}`, 'utf8');
    expect(readFileSync('README.md', 'utf8')).toContain(`\`\`\`ts\n${code}\`\`\``);
  });

  it('Hono: ranges, HEAD, and what it does not serve goes on to the next handler', async () => {
    const { app } = await import('../../examples/fetch/hono.js');
    app.notFound((c) => c.text('app 404', 404));
    const part = await app.request('/media/nums.txt', { headers: { Range: 'bytes=3-7' } });
    expect([part.status, part.headers.get('content-range'), await part.text()]).toEqual([206, 'bytes 3-7/100', '34567']);
    const head = await app.request('/media/song.mp3', { method: 'HEAD' });
    expect([head.status, head.headers.get('content-length'), await head.text()]).toEqual([200, String(300 * 1024), '']);
    for (const path of ['/media/missing.mp3', '/media/%2e%2e/outside/secret.txt', '/media/.env']) {
      const res = await app.request(path);
      expect([path, res.status, await res.text()]).toEqual([path, 404, 'app 404']);
    }
  });

  it('Next.js route handler: GET and HEAD called with a Request', async () => {
    const route = await import('../../examples/fetch/next-route.js');
    const url = 'http://localhost/media/sub/track.ogg';
    const part = await route.GET(new Request(url, { headers: { Range: 'bytes=-96' } }));
    expect([part.status, part.headers.get('content-type'), part.headers.get('content-range')]).toEqual([206, 'audio/ogg', 'bytes 4000-4095/4096']);
    expect(Buffer.from(await part.arrayBuffer()).equals(fixtures.files['sub/track.ogg']!.subarray(4000))).toBe(true);
    const head = await route.HEAD(new Request(url, { method: 'HEAD' }));
    expect([head.status, head.headers.get('content-length'), head.body]).toEqual([200, '4096', null]);
    expect((await route.GET(new Request('http://localhost/media/nope.ogg'))).status).toBe(404);
    expect(route.runtime).toBe('nodejs');
  });
});
