import { describe, expect, it } from 'vitest';
import { decide, type DecisionInput, type DecisionOptions } from '../../src/http/decide.js';
import type { AppHeaders } from '../../src/http/headers.js';
import type { Source } from '../../src/types.js';

const LAST_MODIFIED = Date.UTC(2024, 2, 1, 12, 0, 0);
const source: Source = { size: 10_000, type: 'audio/mpeg', etag: '"abc"', lastModified: new Date(LAST_MODIFIED), open: () => { throw new Error('not read'); } };
const options: DecisionOptions = {
  acceptRanges: true,
  cacheControl: 'public, max-age=0',
  etag: true,
  lastModified: true,
  maxChunkSize: 2_097_152,
  capScope: 'media',
  maxRanges: 100,
};
const input = (
  headers: Record<string, string> = {},
  overrides: { method?: string; options?: Partial<DecisionOptions>; source?: Partial<Source>; appHeaders?: AppHeaders } = {},
): DecisionInput => ({
  method: overrides.method ?? 'GET',
  headers,
  appHeaders: overrides.appHeaders ?? {},
  source: { ...source, ...overrides.source },
  options: { ...options, ...overrides.options },
  request: undefined,
  now: LAST_MODIFIED + 86_400_000,
});

describe('decide: the whole answer', () => {
  it('200: every representation header and the whole body', () => {
    expect(decide(input())).toEqual({
      status: 200,
      headers: {
        'Cache-Control': 'public, max-age=0',
        ETag: '"abc"',
        'Last-Modified': 'Fri, 01 Mar 2024 12:00:00 GMT',
        'Accept-Ranges': 'bytes',
        'Content-Type': 'audio/mpeg',
        'Content-Length': '10000',
      },
      body: { kind: 'range', range: { start: 0, end: 9999 } },
      length: 10_000,
      ranges: [],
    });
  });

  it('206: one range, its Content-Range and length', () => {
    const decision = decide(input({ range: 'bytes=10-19' }));
    expect(decision).toMatchObject({ status: 206, body: { kind: 'range', range: { start: 10, end: 19 } }, length: 10, ranges: [{ start: 10, end: 19 }] });
    expect(decision.headers).toMatchObject({ 'Content-Range': 'bytes 10-19/10000', 'Content-Length': '10', 'Content-Type': 'audio/mpeg' });
  });

  it('HEAD: the headers of GET and no body', () => {
    const head = decide(input({}, { method: 'HEAD' }));
    expect(head).toMatchObject({ status: 200, body: { kind: 'none' }, length: 0 });
    expect(head.headers).toEqual(decide(input()).headers);
  });

  it('304 and 412 win over Range, and send no body', () => {
    expect(decide(input({ range: 'bytes=0-1', 'if-match': '"other"' }))).toMatchObject({ status: 412, body: { kind: 'none' }, length: 0 });
    expect(decide(input({ range: 'bytes=0-1', 'if-none-match': '"abc"' }))).toMatchObject({ status: 304, body: { kind: 'none' }, length: 0 });
  });

  it('416: bytes */size, no body', () => {
    expect(decide(input({ range: 'bytes=10000-' }))).toMatchObject({
      status: 416, headers: { 'Content-Range': 'bytes */10000', 'Content-Length': '0' }, body: { kind: 'none' }, length: 0,
    });
  });

  it('omits what the options turn off', () => {
    const decision = decide(input({}, { options: { acceptRanges: false, cacheControl: undefined, etag: false, lastModified: false } }));
    expect(Object.keys(decision.headers).sort()).toEqual(['Content-Length', 'Content-Type']);
  });

  it('an etag function: its value, quoted when bare; a TypeError for one that cannot be a tag', () => {
    expect(decide(input({}, { options: { etag: () => 'v1' } })).headers['ETag']).toBe('"v1"');
    expect(decide(input({}, { options: { etag: () => 'W/"v1"' } })).headers['ETag']).toBe('W/"v1"');
    expect(() => decide(input({}, { options: { etag: () => 'a"b' } }))).toThrow(TypeError);
  });

  it("etag: 'content': the tag the shell hashed, matched by If-Range; the source's own tag when there is none", () => {
    const hashed = { ...input({ range: 'bytes=0-9', 'if-range': '"sha"' }, { options: { etag: 'content' } }), contentTag: '"sha"' };
    expect(decide(hashed)).toMatchObject({ status: 206, headers: { ETag: '"sha"' } });
    expect(decide(input({}, { options: { etag: 'content' } })).headers['ETag']).toBe('"abc"');
  });
});

describe('decide: the app’s headers take part', () => {
  it('its Content-Type, ETag, Last-Modified and Cache-Control win, and preconditions use them', () => {
    const appHeaders = { 'content-type': 'video/webm', etag: '"app"', 'Last-Modified': 'Sat, 02 Mar 2024 12:00:00 GMT', 'cache-control': 'no-store' };
    const decision = decide(input({}, { appHeaders }));
    expect(decision.headers).toMatchObject({ 'Content-Type': 'video/webm', ETag: '"app"', 'Last-Modified': 'Sat, 02 Mar 2024 12:00:00 GMT', 'Cache-Control': 'no-store' });
    expect(Object.keys(decision.headers)).not.toContain('content-type');
    expect(decide(input({ 'if-none-match': '"app"' }, { appHeaders })).status).toBe(304);
    expect(decide(input({ 'if-none-match': '"abc"' }, { appHeaders })).status).toBe(200);
  });

  it('a 304 keeps no Content-Language of the app’s (RFC 9110 §15.4.5; issue 13 point 12)', () => {
    const decision = decide(input({ 'if-none-match': '"abc"' }, { appHeaders: { 'Content-Language': 'de', 'X-Powered-By': 'Express' } }));
    expect(decision.status).toBe(304);
    expect(decision.headers).toEqual({ 'X-Powered-By': 'Express', 'Cache-Control': 'public, max-age=0', ETag: '"abc"' });
  });
});

describe('decide: when Range is ignored', () => {
  it.each([
    { name: 'HEAD (Range is defined for GET only)', headers: { range: 'bytes=0-1' }, method: 'HEAD' },
    { name: 'acceptRanges false', headers: { range: 'bytes=0-1' }, options: { acceptRanges: false } },
    { name: 'If-Range with a stale tag', headers: { range: 'bytes=0-1', 'if-range': '"old"' } },
    { name: 'If-Range with a weak tag', headers: { range: 'bytes=0-1', 'if-range': 'W/"abc"' } },
    { name: 'too many ranges', headers: { range: 'bytes=0-0,2-2,4-4' }, options: { maxRanges: 2 } },
    { name: 'another unit', headers: { range: 'items=0-1' } },
  ])('$name → 200 whole', ({ headers, method, options: overrides }) => {
    const decision = decide(input(headers, { method: method ?? 'GET', options: overrides ?? {} }));
    expect(decision.status).toBe(200);
    expect(decision.headers['Content-Length']).toBe('10000');
    expect(decision.headers['Content-Range']).toBeUndefined();
  });

  it('If-Range with the current tag or the exact date allows the range', () => {
    expect(decide(input({ range: 'bytes=0-1', 'if-range': '"abc"' })).status).toBe(206);
    expect(decide(input({ range: 'bytes=0-1', 'if-range': 'Fri, 01 Mar 2024 12:00:00 GMT' })).status).toBe(206);
  });
});

describe('decide: the cap and Vary', () => {
  const capped = { maxChunkSize: 1000 };
  it('caps an open-ended range for a media element and says Vary: Sec-Fetch-Dest', () => {
    const decision = decide(input({ range: 'bytes=100-', 'sec-fetch-dest': 'video' }, { options: capped }));
    expect(decision).toMatchObject({ status: 206, length: 1000, ranges: [{ start: 100, end: 1099 }] });
    expect(decision.headers).toMatchObject({ 'Content-Range': 'bytes 100-1099/10000', 'Content-Length': '1000', Vary: 'Sec-Fetch-Dest' });
  });

  it('an uncapped open-ended answer varies too: both depended on the header', () => {
    const decision = decide(input({ range: 'bytes=100-' }, { options: capped }));
    expect(decision.headers).toMatchObject({ 'Content-Range': 'bytes 100-9999/10000', Vary: 'Sec-Fetch-Dest' });
  });

  it('merges with the app’s Vary', () => {
    const decision = decide(input({ range: 'bytes=100-' }, { appHeaders: { vary: 'Origin' } }));
    expect(decision.headers['Vary']).toBe('Origin, Sec-Fetch-Dest');
    expect(Object.keys(decision.headers)).not.toContain('vary');
  });

  it('closed ranges and scope "all" do not vary', () => {
    expect(decide(input({ range: 'bytes=0-1' })).headers['Vary']).toBeUndefined();
    expect(decide(input({ range: 'bytes=0-' }, { options: { ...capped, capScope: 'all' } })).headers['Vary']).toBeUndefined();
  });

  it('a capScope function receives the request object the shell passed', () => {
    const request = { headers: { 'x-player': '1' } };
    const decision = decide({ ...input({ range: 'bytes=0-' }, { options: { ...capped, capScope: (req) => req === (request as never) } }), request });
    expect(decision.headers['Content-Range']).toBe('bytes 0-999/10000');
  });
});

describe('decide: multipart', () => {
  it('answers several ranges with multipart/byteranges and an exact length', () => {
    const decision = decide(input({ range: 'bytes=0-99,5000-5099' }));
    expect(decision.status).toBe(206);
    expect(decision.headers['Content-Type']).toMatch(/^multipart\/byteranges; boundary=[0-9a-f]{24}$/);
    if (decision.body.kind !== 'multipart') throw new Error('expected multipart');
    expect(decision.headers['Content-Length']).toBe(String(decision.body.multipart.length));
    expect(decision.length).toBe(decision.body.multipart.length);
    expect(decision.ranges).toEqual([{ start: 0, end: 99 }, { start: 5000, end: 5099 }]);
  });

  it('falls back to 200 when framing would make the body larger than the file', () => {
    expect(decide(input({ range: 'bytes=0-0,2-2,4-4' }, { source: { size: 100 } })).status).toBe(200);
  });

  it('an empty representation is a 200 with no body', () => {
    const decision = decide(input({ range: 'bytes=0-' }, { source: { size: 0 } }));
    expect(decision).toMatchObject({ status: 200, body: { kind: 'none' }, length: 0 });
    expect(decision.headers['Content-Length']).toBe('0');
  });
});
