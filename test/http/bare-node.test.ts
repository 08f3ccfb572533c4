import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpError, sendRange } from '../../src/index.js';
import { createFixtures, type Fixtures } from '../helpers/fixtures.js';
import { get } from '../helpers/http-get.js';

// sendRange needs nothing Express adds: a plain node:http server is enough.
let fixtures: Fixtures;
let url: string;
const server = createServer((req, res) => {
  const name = decodeURIComponent((req.url ?? '/').slice(1));
  sendRange(req, res, join(fixtures.root, name)).catch((error: HttpError) => {
    res.statusCode = error.status;
    for (const [header, value] of Object.entries(error.headers ?? {})) res.setHeader(header, value);
    res.end(error.expose ? error.message : 'error');
  });
});

beforeAll(async () => {
  fixtures = createFixtures();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  fixtures.cleanup();
});

describe('sendRange on bare node:http', () => {
  it('answers ranges byte for byte', async () => {
    const res = await get(`${url}/data.bin`, { Range: 'bytes=100-199' });
    expect(res.status).toBe(206);
    expect(res.headers['content-range']).toBe('bytes 100-199/10000');
    expect(res.body.equals(fixtures.files['data.bin']!.subarray(100, 200))).toBe(true);
  });

  it('answers conditionals and multipart', async () => {
    const first = await get(`${url}/data.bin`);
    expect((await get(`${url}/data.bin`, { 'If-None-Match': String(first.headers['etag']) })).status).toBe(304);
    const multi = await get(`${url}/data.bin`, { Range: 'bytes=0-9,5000-5999' });
    expect(multi.headers['content-type']).toMatch(/^multipart\/byteranges; boundary=/);
  });

  it('rejects with an HttpError 404 for a missing file, before writing anything', async () => {
    const res = await get(`${url}/missing.mp3`);
    expect(res.status).toBe(404);
    expect(res.body.toString()).toBe('Not Found');
  });

  it('rejects with 404 for a directory', async () => {
    expect((await get(`${url}/sub`)).status).toBe(404);
  });
});
