import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileSource, HttpError, sendRange, type Source } from '../../src/index.js';
import { createFixtures, type Fixtures } from '../helpers/fixtures.js';
import { get } from '../helpers/http-get.js';

// sendRange needs nothing Express adds: a plain node:http server is enough.
let fixtures: Fixtures;
let url: string;
/** What the last misused sendRange call did: threw, or rejected with this error. */
let misuse: { threw: boolean; error: unknown } | undefined;
const server = createServer((req, res) => {
  const name = decodeURIComponent((req.url ?? '/').slice(1));
  if (name === 'wrong-source' || name === 'bad-option') {
    misuse = undefined;
    try {
      const source = name === 'wrong-source' ? ({ size: '100', open() {} } as unknown as Source) : join(fixtures.root, 'data.bin');
      sendRange(req, res, source, name === 'bad-option' ? { maxAge: 'soon' } : {}).catch((error: unknown) => {
        misuse = { threw: false, error };
        res.statusCode = 500;
        res.end();
      });
    } catch (error) {
      misuse = { threw: true, error };
      res.statusCode = 500;
      res.end();
    }
    return;
  }
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

  // Issue 13, points 1 and 2: misuse rejects with a TypeError saying what is wrong (the README's
  // `.catch(next)` then sees it, and on bare node:http a synchronous throw would kill the process).
  it.each([
    { path: 'wrong-source', message: /source\.size must be a non-negative safe integer, got 100/ },
    { path: 'bad-option', message: /^maxAge must be/ },
  ])('$path: the promise rejects with a TypeError, nothing is thrown', async ({ path, message }) => {
    expect((await get(`${url}/${path}`)).status).toBe(500);
    expect(misuse?.threw).toBe(false);
    expect(misuse?.error).toBeInstanceOf(TypeError);
    expect((misuse?.error as Error).message).toMatch(message);
  });

  // Issue 13, point 11: Express answers an error's `status`, so a missing file must carry 404.
  it('await fileSource(missing) rejects with status 404 and the system code', async () => {
    await expect(fileSource(join(fixtures.root, 'missing.mp3'))).rejects.toMatchObject({ status: 404, statusCode: 404, code: 'ENOENT' });
    await expect(fileSource(join(fixtures.root, 'sub'))).rejects.toMatchObject({ status: 404, code: 'EISDIR' });
  });
});
