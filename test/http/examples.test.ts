import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCatalogueApp, sineWav, type Track } from '../../examples/custom-route.js';
import { createS3App } from '../../examples/s3.js';
import { createUpstreamApp } from '../../examples/upstream.js';
import { partialContent } from '../../src/index.js';
import { createFixtures, patterned, type Fixtures } from '../helpers/fixtures.js';
import { startStore, type RunningStore } from '../helpers/s3rver.js';
import { createApp, listen, withSentinels, type Running } from '../helpers/server.js';
import { request } from '../helpers/supertest.js';

// The examples import 'partial-content', i.e. the built dist/ (the unit project's global setup builds it).

let fixtures: Fixtures;
const running: Running[] = [];
const start = async (app: Parameters<typeof listen>[0]): Promise<Running> => {
  const server = await listen(app);
  running.push(server);
  return server;
};

beforeAll(() => {
  fixtures = createFixtures();
});

afterAll(async () => {
  for (const server of running) await server.close();
  fixtures?.cleanup();
});

describe('examples/custom-route.ts', () => {
  const beep = sineWav(1, 880);
  let catalogue: Running;

  beforeAll(async () => {
    const tracks = new Map<string, Track>([
      ['song', { title: 'A file', file: join(fixtures.root, 'song.mp3') }],
      ['beep', { title: 'In memory', bytes: beep, type: 'audio/wav', updatedAt: new Date('2025-01-01') }],
      ['lost', { title: 'A file that is gone', file: join(fixtures.root, 'no-such.mp3') }],
    ]);
    catalogue = await start(createCatalogueApp(tracks));
  });

  it('lists the catalogue', async () => {
    const res = await request(catalogue.url).get('/tracks').expect(200);
    expect(JSON.parse(res.body.toString())).toEqual([
      { id: 'song', title: 'A file', url: '/tracks/song' },
      { id: 'beep', title: 'In memory', url: '/tracks/beep' },
      { id: 'lost', title: 'A file that is gone', url: '/tracks/lost' },
    ]);
  });

  it('streams a range of a file track', async () => {
    const res = await request(catalogue.url)
      .get('/tracks/song')
      .set('Range', 'bytes=1000-2999')
      .expect(206)
      .expect('Content-Type', 'audio/mpeg')
      .expect('Content-Range', `bytes 1000-2999/${300 * 1024}`);
    expect(res.body.equals(fixtures.files['song.mp3']?.subarray(1000, 3000) ?? Buffer.alloc(0))).toBe(true);
  });

  it('streams a range of an in-memory track, with validators', async () => {
    const res = await request(catalogue.url)
      .get('/tracks/beep')
      .set('Range', 'bytes=-100')
      .expect(206)
      .expect('Content-Type', 'audio/wav')
      .expect('Last-Modified', 'Wed, 01 Jan 2025 00:00:00 GMT');
    expect(res.body.equals(beep.subarray(beep.length - 100))).toBe(true);
    await request(catalogue.url).get('/tracks/beep').set('If-None-Match', String(res.headers['etag'])).expect(304);
  });

  it('the generated WAV is well-formed', () => {
    expect(beep.subarray(0, 4).toString('latin1')).toBe('RIFF');
    expect(beep.readUInt32LE(4)).toBe(beep.length - 8);
    expect(beep.readUInt32LE(40)).toBe(beep.length - 44);
  });

  it('an unknown id goes on with next(): 404', async () => {
    const res = await request(catalogue.url).get('/tracks/nope').expect(404);
    expect(res.headers['content-range']).toBeUndefined();
  });

  it('a track whose file is gone is a 404 through next(err)', async () => {
    await request(catalogue.url).get('/tracks/lost').set('Range', 'bytes=0-9').expect(404).expect('Content-Type', /^text\/html/);
  });
});

describe('examples/upstream.ts', () => {
  let origin: Running;

  beforeAll(async () => {
    const app = createApp();
    app.use('/media', partialContent(fixtures.root));
    withSentinels(app);
    origin = await start(app);
  });

  it('streams a range from the upstream', async () => {
    const front = await start(createUpstreamApp({ upstream: `${origin.url}/media/clip.mp4` }));
    const res = await request(front.url)
      .get('/listen')
      .set('Range', 'bytes=4000000-4000999')
      .expect(206)
      .expect('Content-Type', 'video/mp4')
      .expect('Content-Range', `bytes 4000000-4000999/${5 * 1024 * 1024}`);
    expect(res.body.equals(fixtures.files['clip.mp4']?.subarray(4_000_000, 4_001_000) ?? Buffer.alloc(0))).toBe(true);

    const capped = await request(front.url)
      .get('/listen')
      .set({ Range: 'bytes=0-', 'Sec-Fetch-Dest': 'video' })
      .expect(206)
      .expect('Content-Range', `bytes 0-2097151/${5 * 1024 * 1024}`);
    expect(capped.body.equals(fixtures.files['clip.mp4']?.subarray(0, 2 * 1024 * 1024) ?? Buffer.alloc(0))).toBe(true);
  });

  it('probes again when the upstream changed since the reused probe', async () => {
    const path = join(fixtures.root, 'changing.bin');
    writeFileSync(path, patterned(1_000, 0));
    const front = await start(createUpstreamApp({ upstream: `${origin.url}/media/changing.bin`, reuseMs: 60_000 }));
    const first = await request(front.url).get('/listen').set('Range', 'bytes=0-9');
    expect(first.body.equals(patterned(10, 0))).toBe(true);

    writeFileSync(path, patterned(2_000, 1));
    utimesSync(path, new Date(), new Date(Date.now() + 60_000));
    const second = await request(front.url).get('/listen').set('Range', 'bytes=0-9').expect(206).expect('Content-Range', 'bytes 0-9/2000');
    expect(second.body.equals(patterned(10, 1))).toBe(true);
  });

  it('an upstream without the object is a 404; an unreachable one a 502', async () => {
    const missing = await start(createUpstreamApp({ upstream: `${origin.url}/media/none.bin` }));
    await request(missing.url).get('/listen').expect(404);
    const gone = await listen((_req, res) => res.end());
    await gone.close();
    const unreachable = await start(createUpstreamApp({ upstream: `${gone.url}/x.bin` }));
    await request(unreachable.url).get('/listen').expect(502);
  });
});

describe('examples/s3.ts', () => {
  const track = patterned(50_000, 9);
  let store: RunningStore;
  let app: Running;

  beforeAll(async () => {
    store = await startStore();
    await store.put('shows/episode 1.mp3', track, 'audio/mpeg');
    app = await start(createS3App({ client: store.client, bucket: store.bucket, reuseMs: 60_000 }));
  });
  afterAll(async () => {
    await store?.close();
  });

  it.each(['media', 'presigned'])('/%s/<key> streams a range of the object', async (way) => {
    const res = await request(app.url)
      .get(`/${way}/shows/episode%201.mp3`)
      .set('Range', 'bytes=1000-1999')
      .expect(206)
      .expect('Content-Type', 'audio/mpeg')
      .expect('Content-Range', 'bytes 1000-1999/50000');
    expect(res.body.equals(track.subarray(1000, 2000))).toBe(true);
  });

  it.each(['media', 'presigned'])('/%s/<missing key> is a 404', async (way) => {
    await request(app.url).get(`/${way}/shows/none.mp3`).expect(404);
  });

  it('probes again when the object was replaced since the reused probe', async () => {
    await store.put('changing.bin', patterned(1_000, 0));
    const first = await request(app.url).get('/media/changing.bin').set('Range', 'bytes=0-9');
    expect(first.body.equals(patterned(10, 0))).toBe(true);
    const etag = await store.put('changing.bin', patterned(2_000, 1));
    const second = await request(app.url)
      .get('/media/changing.bin')
      .set('Range', 'bytes=0-9')
      .expect(206)
      .expect('ETag', etag)
      .expect('Content-Range', 'bytes 0-9/2000');
    expect(second.body.equals(patterned(10, 1))).toBe(true);
  });
});
