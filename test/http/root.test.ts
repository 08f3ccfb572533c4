import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { partialContent } from '../../src/index.js';
import { createApp, FELL_THROUGH, listen, withSentinels, type Running } from '../helpers/server.js';
import { request } from '../helpers/supertest.js';

// What a misconfigured root looks like to whoever made the mistake. Before, all three failed silently:
// every request fell through with no hint, and a root naming a file served that file at the mount path.

let base: string;
const servers: Running[] = [];
const warnings: Error[] = [];
const onWarning = (warning: Error): void => {
  if ((warning as NodeJS.ErrnoException).code === 'PARTIAL_CONTENT_ROOT') warnings.push(warning);
};

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'partial-content-root-'));
  mkdirSync(join(base, 'media'));
  writeFileSync(join(base, 'media', 'a.txt'), 'inside media');
  writeFileSync(join(base, 'song.mp3'), 'a file, not a folder');
  process.on('warning', onWarning);
});
afterEach(() => {
  warnings.length = 0;
});
afterAll(async () => {
  process.off('warning', onWarning);
  await Promise.all(servers.map((server) => server.close()));
  rmSync(base, { recursive: true, force: true });
});

async function serve(middleware: ReturnType<typeof partialContent>): Promise<Running> {
  const app = createApp();
  app.use('/m', middleware);
  withSentinels(app);
  const running = await listen(app);
  servers.push(running);
  return running;
}

/** Warnings are emitted on the next tick; give them a few turns, bounded. */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
}

describe('a root that is a file', () => {
  it('is a TypeError at creation that says what to use instead', () => {
    expect(() => partialContent(join(base, 'song.mp3'))).toThrow(TypeError);
    expect(() => partialContent(join(base, 'song.mp3'))).toThrow(/^root must be a folder, but .*song\.mp3 is not one.*sendRange/);
  });

  it('that appears after creation is never served at the mount path, and warns once', async () => {
    const later = join(base, 'later');
    const server = await serve(partialContent(later));
    writeFileSync(later, 'became a file');
    for (const path of ['/m', '/m/', '/m/x']) {
      const res = await request(server.url).get(path);
      expect(res.body.toString()).toBe(FELL_THROUGH);
    }
    await settle();
    expect(warnings.map((warning) => warning.message)).toEqual([expect.stringContaining(`${later} is not a folder`)]);
  });
});

describe('a root folder that does not exist', () => {
  it('is accepted at creation (as serve-static), warns once on the first request, and serves once it appears', async () => {
    const missing = join(base, 'not-yet');
    const server = await serve(partialContent(missing));
    expect(warnings).toEqual([]);
    for (let i = 0; i < 3; i++) expect((await request(server.url).get('/m/a.txt')).body.toString()).toBe(FELL_THROUGH);
    await settle();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.name).toBe('PartialContentWarning');
    expect(warnings[0]?.message).toContain(`the root ${missing} does not exist`);
    expect(warnings[0]?.message).toContain('import.meta.dirname');

    mkdirSync(missing);
    writeFileSync(join(missing, 'a.txt'), 'arrived');
    expect((await request(server.url).get('/m/a.txt')).body.toString()).toBe('arrived');
  });

  it('a relative root is resolved against the working directory at creation, which the warning names', async () => {
    const before = process.cwd();
    let found: ReturnType<typeof partialContent>;
    let lost: ReturnType<typeof partialContent>;
    try {
      process.chdir(base);
      found = partialContent('media');
      lost = partialContent('songs');
    } finally {
      process.chdir(before);
    }
    const served = await serve(found);
    expect((await request(served.url).get('/m/a.txt')).body.toString()).toBe('inside media');
    const missing = await serve(lost);
    expect((await request(missing.url).get('/m/a.txt')).body.toString()).toBe(FELL_THROUGH);
    await settle();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.message).toContain(`the root ${join(base, 'songs')} does not exist`);
    expect(warnings[0]?.message).toContain(`it was ${base}, root 'songs'`);
  });
});

describe('a root that is fine', () => {
  it('never warns, however many files are missing', async () => {
    const server = await serve(partialContent(join(base, 'media')));
    for (const path of ['/m/missing.mp3', '/m/a.txt/', '/m/sub/x', '/m/.env']) {
      expect((await request(server.url).get(path)).body.toString()).toBe(FELL_THROUGH);
    }
    await settle();
    expect(warnings).toEqual([]);
  });
});
