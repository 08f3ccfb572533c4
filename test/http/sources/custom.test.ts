import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ByteRange, Source, SourceInput } from '../../../src/index.js';
import { patterned, type Fixtures } from '../../helpers/fixtures.js';
import { abortAfterFirstBytes, get, getLoose } from '../../helpers/http-get.js';
import { expectErrorThroughNext, startSendRangeApp, type SendRangeApp } from '../../helpers/send-range-app.js';
import { bytesOf, describeConformance, typeOf } from '../../helpers/source-conformance.js';

function* chunks(bytes: Buffer, size = 16_384): Generator<Buffer> {
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
}

/** A source written the way an app would for a database row: stream chunks of an in-memory blob. */
function customSource(fixtures: Fixtures, file: string, open: 'sync' | 'async'): Source {
  const bytes = bytesOf(fixtures, file);
  const stream = ({ start, end }: ByteRange): Readable => Readable.from(chunks(bytes.subarray(start, end + 1)), { objectMode: false });
  return {
    size: bytes.length,
    name: file,
    etag: `"row-${bytes.length}-${file.length}"`,
    lastModified: new Date('2024-05-01T12:00:00Z'),
    open: open === 'sync' ? stream : async (range) => (await sleep(1), stream(range)),
  };
}

describeConformance('custom object, sync open', (fixtures) => ({ input: (file) => customSource(fixtures, file, 'sync'), type: typeOf }));
describeConformance('custom object, async open', (fixtures) => ({ input: (file) => customSource(fixtures, file, 'async'), type: typeOf }));

// ---------------------------------------------------------------------------------------------
// Custom sources that fail.

const SLOW_SIZE = 10 * 1024 * 1024;

describe('custom source failures', () => {
  let app: SendRangeApp;
  let requestCounter = 0;
  let streamClosed = false;

  const failing: Record<string, () => SourceInput> = {
    '/open-throws': () => ({ size: 100, open: () => { throw new Error('cannot open'); } }),
    '/open-throws-503': () => ({ size: 100, open: () => { throw Object.assign(new Error('busy'), { status: 503 }); } }),
    '/open-rejects': () => ({ size: 100, open: async () => Promise.reject(new Error('cannot open')) }),
    '/source-rejects': () => Promise.reject(new Error('no such row')),
    '/stream-errors': () => ({
      size: 100_000,
      open: () => {
        let pushed = false;
        return new Readable({
          read() {
            if (pushed) return;
            pushed = true;
            this.push(Buffer.alloc(1000, 1));
            setTimeout(() => this.destroy(new Error('disk on fire')), 30);
          },
        });
      },
    }),
    '/stream-short': () => ({ size: 1000, open: () => Readable.from([Buffer.alloc(500, 2)], { objectMode: false }) }),
    '/slow': () => ({
      size: SLOW_SIZE,
      open: ({ start, end }) => {
        let offset = start;
        const stream = new Readable({
          read() {
            if (offset > end) return void this.push(null);
            const chunk = patterned(Math.min(64 * 1024, end - offset + 1), offset);
            offset += chunk.length;
            setTimeout(() => this.push(chunk), 5);
          },
        });
        stream.on('close', () => (streamClosed = true));
        return stream;
      },
    }),
  };

  beforeAll(async () => {
    app = await startSendRangeApp((path) => failing[path]?.());
  });

  afterAll(async () => {
    await app?.close();
  });

  describe('before the headers: a clean error status through next(err)', () => {
    it.each([
      ['open throws', 'open-throws', 500],
      ['open throws an error carrying a status', 'open-throws-503', 503],
      ['async open rejects', 'open-rejects', 500],
      ['the source promise rejects', 'source-rejects', 500],
    ])('%s: /%s → %i', async (_name, path, status) => {
      const res = await get(`${app.url}/${path}`, { range: 'bytes=10-19' });
      expectErrorThroughNext(res, status);
    });
  });

  describe('after the headers: the connection is cut and onResponse reports the error', () => {
    it.each([
      ['the stream errors midway', 'stream-errors', 100_000, /disk on fire/],
      ['the stream ends short (sendRange counts the bytes)', 'stream-short', 1000, /^Source ended after 500 of 1000/],
    ])('%s', async (_name, path, length, message) => {
      const url = `/${path}?n=${requestCounter++}`;
      const res = await getLoose(`${app.url}${url}`);
      expect(res.complete).toBe(false);
      expect(res.body.length).toBeLessThan(length);
      if (res.status !== 0) expect(res.status).toBe(200);
      const event = await app.eventOf(url);
      expect(event.status).toBe(200);
      expect(event.error?.message).toMatch(message);
      expect(event.aborted).toBe(false);
      expect(event.bytesExpected).toBe(length);
      expect(event.bytesWritten).toBeLessThan(length);
    });
  });

  describe('client aborts', () => {
    it('destroys the source stream and reports aborted', async () => {
      const url = `/slow?n=${requestCounter++}`;
      streamClosed = false;
      expect(await abortAfterFirstBytes(`${app.url}${url}`)).toBe(200);
      const event = await app.eventOf(url);
      expect(event).toMatchObject({ status: 200, aborted: true, error: undefined, bytesExpected: SLOW_SIZE });
      expect(event.bytesWritten).toBeGreaterThan(0);
      expect(event.bytesWritten).toBeLessThan(SLOW_SIZE);
      await expect.poll(() => streamClosed, { timeout: 2_000 }).toBe(true);
    });
  });
});
