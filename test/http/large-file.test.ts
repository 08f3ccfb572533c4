import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partialContent } from '../../src/index.js';
import { get } from '../helpers/http-get.js';
import { patterned } from '../helpers/fixtures.js';
import { createApp, listen, type Running } from '../helpers/server.js';

const GiB = 1024 ** 3;
const SIZE = 5 * GiB + 12_345; // past 4 GiB, so 32-bit offsets would wrap
const MARK_AT = 4 * GiB + 1000;
const MARK = patterned(4096, 17);
let dir: string;
let server: Running;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'partial-content-large-'));
  // A sparse file: zeros everywhere except a patterned block past 4 GiB and at the very end.
  const fd = openSync(join(dir, 'big.bin'), 'w');
  writeSync(fd, MARK, 0, MARK.length, MARK_AT);
  writeSync(fd, MARK, 0, 100, SIZE - 100);
  closeSync(fd);
  const app = createApp();
  app.use('/m', partialContent(dir));
  server = await listen(app);
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('offsets past 4 GiB (sparse file)', () => {
  it('a bounded range past 4 GiB returns the exact bytes', async () => {
    const res = await get(`${server.url}/m/big.bin`, { Range: `bytes=${MARK_AT}-${MARK_AT + 4095}` });
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe(`bytes ${MARK_AT}-${MARK_AT + 4095}/${SIZE}`);
    expect(res.body.equals(MARK)).toBe(true);
  });

  it('a range straddling the mark includes the zeros before it', async () => {
    const res = await get(`${server.url}/m/big.bin`, { Range: `bytes=${MARK_AT - 10}-${MARK_AT + 9}` });
    expect(res.body.equals(Buffer.concat([Buffer.alloc(10), MARK.subarray(0, 10)]))).toBe(true);
  });

  it('a suffix range and the size are exact', async () => {
    const res = await get(`${server.url}/m/big.bin`, { Range: 'bytes=-100' });
    expect(res.headers['content-range']).toBe(`bytes ${SIZE - 100}-${SIZE - 1}/${SIZE}`);
    expect(res.body.equals(MARK.subarray(0, 100))).toBe(true);
    const head = await get(`${server.url}/m/big.bin`, {}, 'HEAD');
    expect(head.headers['content-length']).toBe(String(SIZE));
  });

  it('the capped open-ended answer past 4 GiB', async () => {
    const res = await get(`${server.url}/m/big.bin`, { Range: `bytes=${MARK_AT}-`, 'Sec-Fetch-Dest': 'audio' });
    expect(res.headers['content-range']).toBe(`bytes ${MARK_AT}-${MARK_AT + 2 * 1024 * 1024 - 1}/${SIZE}`);
    expect(res.body.subarray(0, 4096).equals(MARK)).toBe(true);
    expect(res.body.length).toBe(2 * 1024 * 1024);
  });
});
