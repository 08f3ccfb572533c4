import { closeSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partialContent } from '../../src/index.js';
import { createFixtures, patterned, type Fixtures } from '../helpers/fixtures.js';
import { createApp, listen, type Running } from '../helpers/server.js';

const SIZE = 32 * 1024 * 1024; // far more than the socket buffers hold, so the server is mid-stream
let fixtures: Fixtures;
let server: Running;

beforeAll(async () => {
  fixtures = createFixtures();
  const app = createApp();
  app.use('/media', partialContent(fixtures.root));
  server = await listen(app);
});
afterAll(async () => {
  await server.close();
  fixtures.cleanup();
});

/** Starts a GET, pauses after the first bytes, runs `meanwhile`, then reads to the end. */
function readWhile(path: string, meanwhile: () => void): Promise<{ announced: number; body: Buffer; complete: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.url}${path}`, { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let paused = false;
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        if (!paused) {
          paused = true;
          res.pause();
          setTimeout(() => {
            meanwhile();
            res.resume();
          }, 200);
        }
      });
      const done = (): void =>
        resolve({ announced: Number(res.headers['content-length']), body: Buffer.concat(chunks), complete: res.complete });
      res.on('end', done);
      res.on('aborted', done);
      res.on('error', done);
    });
    req.on('error', reject);
    req.setTimeout(20_000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

describe('a file rewritten in place while it streams', () => {
  it('cuts the response instead of splicing old and new bytes under the old ETag', async () => {
    const path = join(fixtures.root, 'rewritten-in-place.bin');
    const before = patterned(SIZE, 1);
    writeFileSync(path, before);
    const after = patterned(SIZE, 2);
    const result = await readWhile('/media/rewritten-in-place.bin', () => {
      const fd = openSync(path, 'r+'); // same inode, same size: only mtime tells
      writeSync(fd, after, 0, SIZE, 0);
      closeSync(fd);
    });
    expect(result.announced).toBe(SIZE);
    expect(result.complete).toBe(false);
    expect(result.body.length).toBeLessThan(SIZE);
  });

  it('a file replaced by rename keeps streaming the original bytes, complete', async () => {
    const path = join(fixtures.root, 'renamed-over.bin');
    const before = patterned(SIZE, 3);
    writeFileSync(path, before);
    const result = await readWhile('/media/renamed-over.bin', () => {
      writeFileSync(`${path}.new`, patterned(SIZE, 4));
      // rename(2) swaps the name; the open handle still reads the old inode.
      renameSync(`${path}.new`, path);
    });
    expect(result.complete).toBe(true);
    expect(result.body.equals(before)).toBe(true);
  });
});
