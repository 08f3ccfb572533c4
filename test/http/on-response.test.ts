import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendRange } from '../../src/index.js';
import { createFixtures, type Fixtures } from '../helpers/fixtures.js';
import { get } from '../helpers/http-get.js';
import { startSendRangeApp, type SendRangeApp } from '../helpers/send-range-app.js';
import { createApp, listen, withSentinels } from '../helpers/server.js';
import { bytesOf } from '../helpers/source-conformance.js';

// The event's figures, spelled out for each kind of ending. Aborted and failed responses:
// test/http/sources/custom.test.ts and upstream-protocol.test.ts.

const DATA_SIZE = 10_000;

let fixtures: Fixtures;
let app: SendRangeApp;
let requestCounter = 0;

beforeAll(async () => {
  fixtures = createFixtures();
  app = await startSendRangeApp((path) => join(fixtures.root, decodeURIComponent(path.slice(1))));
});

afterAll(async () => {
  await app?.close();
  fixtures?.cleanup();
});

describe('onResponse figures', () => {
  const path = (file: string): string => `/${file}?n=${requestCounter++}`;

  it('full response', async () => {
    const url = path('data.bin');
    const res = await get(`${app.url}${url}`);
    expect(res.body.equals(bytesOf(fixtures, 'data.bin'))).toBe(true);
    const event = await app.eventOf(url);
    expect(event).toMatchObject({
      method: 'GET',
      url,
      source: join(fixtures.root, 'data.bin'),
      status: 200,
      size: DATA_SIZE,
      ranges: [],
      rangeHeader: undefined,
      bytesWritten: DATA_SIZE,
      bytesExpected: DATA_SIZE,
      aborted: false,
      error: undefined,
    });
    expect(event.durationMs).toBeGreaterThan(0);
    expect(event.durationMs).toBeLessThan(10_000);
  });

  it('partial response', async () => {
    const url = path('data.bin');
    const res = await get(`${app.url}${url}`, { range: 'bytes=100-199' });
    expect(res.body.equals(bytesOf(fixtures, 'data.bin').subarray(100, 200))).toBe(true);
    expect(await app.eventOf(url)).toMatchObject({
      status: 206,
      ranges: [{ start: 100, end: 199 }],
      rangeHeader: 'bytes=100-199',
      bytesWritten: 100,
      bytesExpected: 100,
      aborted: false,
    });
  });

  it('multipart response counts the framing', async () => {
    const url = path('data.bin');
    const res = await get(`${app.url}${url}`, { range: 'bytes=0-9,20-29' });
    expect(res.status).toBe(206);
    const event = await app.eventOf(url);
    expect(event.ranges).toEqual([{ start: 0, end: 9 }, { start: 20, end: 29 }]);
    expect(event.bytesWritten).toBe(res.body.length);
    expect(event.bytesWritten).toBeGreaterThan(20);
  });

  it('a hook that throws breaks nothing: the response completes and the hook ran once', async () => {
    let calls = 0;
    const server = createApp();
    server.use((req, res, next) => {
      const onResponse = (): void => {
        calls++;
        throw new Error('metrics backend down');
      };
      sendRange(req, res, bytesOf(fixtures, 'data.bin'), { onResponse }).catch(next);
    });
    withSentinels(server);
    const running = await listen(server);
    try {
      const first = await get(`${running.url}/`, { range: 'bytes=10-19' });
      const second = await get(`${running.url}/`);
      expect(first.status).toBe(206);
      expect(first.body.equals(bytesOf(fixtures, 'data.bin').subarray(10, 20))).toBe(true);
      expect(second.status).toBe(200);
      expect(second.body.equals(bytesOf(fixtures, 'data.bin'))).toBe(true);
      await expect.poll(() => calls, { timeout: 1_000 }).toBe(2);
    } finally {
      await running.close();
    }
  });

  it('a source that cannot be opened is no response: no event, the route answers via next(err)', async () => {
    const url = path('nosuch.bin');
    const res = await get(`${app.url}${url}`);
    // A source that cannot be opened is the route's error, not a response: no event, a 404 via next(err).
    expect(res.status).toBe(404);
    expect(res.body.toString()).toBe('error 404');
    // eventsOf waits for sendRange to settle, after which no event can come: no sleep needed.
    expect(await app.eventsOf(url)).toHaveLength(0);
  });
});
