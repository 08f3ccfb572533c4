import { describe, expect, it } from 'vitest';
import { decide, type DecisionPolicy, type Representation } from '../../src/http/decide.js';

const LAST_MODIFIED = Date.UTC(2024, 2, 1, 12, 0, 0);
const representation: Representation = {
  size: 10_000,
  contentType: 'audio/mpeg',
  etag: '"abc"',
  lastModified: LAST_MODIFIED,
};
const policy: DecisionPolicy = {
  acceptRanges: true,
  cacheControl: 'public, max-age=0',
  maxChunkSize: 2_097_152,
  maxRanges: 100,
  capOpenEnded: false,
  capVariesByFetchDest: true,
  now: LAST_MODIFIED + 86_400_000,
};
const get = (headers: Record<string, string> = {}, method = 'GET') => ({ method, headers });

describe('decide: headers per status', () => {
  it('200 carries every representation header', () => {
    expect(decide(get(), representation, policy)).toEqual({
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
      ranges: [],
    });
  });

  it('206 carries the same headers plus Content-Range and the part length', () => {
    const decision = decide(get({ range: 'bytes=10-19' }), representation, policy);
    expect(decision.status).toBe(206);
    expect(decision.headers).toEqual({
      'Cache-Control': 'public, max-age=0',
      ETag: '"abc"',
      'Last-Modified': 'Fri, 01 Mar 2024 12:00:00 GMT',
      'Accept-Ranges': 'bytes',
      'Content-Type': 'audio/mpeg',
      'Content-Range': 'bytes 10-19/10000',
      'Content-Length': '10',
    });
  });

  it('304 carries validators and Cache-Control only (RFC 9110 §15.4.5)', () => {
    const decision = decide(get({ 'if-none-match': '"abc"' }), representation, policy);
    expect(decision).toEqual({
      status: 304,
      headers: { 'Cache-Control': 'public, max-age=0', ETag: '"abc"', 'Last-Modified': 'Fri, 01 Mar 2024 12:00:00 GMT' },
      body: { kind: 'none' },
      ranges: [],
    });
  });

  it('416 carries bytes */size and no body', () => {
    const decision = decide(get({ range: 'bytes=10000-' }), representation, policy);
    expect(decision.status).toBe(416);
    expect(decision.headers['Content-Range']).toBe('bytes */10000');
    expect(decision.headers['Content-Length']).toBe('0');
    expect(decision.body).toEqual({ kind: 'none' });
  });

  it('412 and 304 win over Range', () => {
    expect(decide(get({ range: 'bytes=0-1', 'if-match': '"other"' }), representation, policy).status).toBe(412);
    expect(decide(get({ range: 'bytes=0-1', 'if-none-match': '"abc"' }), representation, policy).status).toBe(304);
  });

  it('omits what the options turn off', () => {
    const decision = decide(get(), { ...representation, etag: undefined, lastModified: undefined }, {
      ...policy, acceptRanges: false, cacheControl: undefined,
    });
    expect(Object.keys(decision.headers).sort()).toEqual(['Content-Length', 'Content-Type']);
  });
});

describe('decide: when Range is ignored', () => {
  it.each([
    { name: 'HEAD (Range is defined for GET only)', request: get({ range: 'bytes=0-1' }, 'HEAD') },
    { name: 'acceptRanges false', request: get({ range: 'bytes=0-1' }), policy: { acceptRanges: false } },
    { name: 'If-Range with a stale tag', request: get({ range: 'bytes=0-1', 'if-range': '"old"' }) },
    { name: 'If-Range with a weak tag', request: get({ range: 'bytes=0-1', 'if-range': 'W/"abc"' }) },
    { name: 'too many ranges', request: get({ range: 'bytes=0-0,2-2,4-4' }), policy: { maxRanges: 2 } },
  ])('$name → 200 whole', ({ request, policy: overrides }) => {
    const decision = decide(request, representation, { ...policy, ...overrides });
    expect(decision.status).toBe(200);
    expect(decision.headers['Content-Length']).toBe('10000');
    expect(decision.headers['Content-Range']).toBeUndefined();
  });

  it('If-Range with the current tag or the exact date allows the range', () => {
    expect(decide(get({ range: 'bytes=0-1', 'if-range': '"abc"' }), representation, policy).status).toBe(206);
    expect(decide(get({ range: 'bytes=0-1', 'if-range': 'Fri, 01 Mar 2024 12:00:00 GMT' }), representation, policy).status).toBe(206);
  });
});

describe('decide: the cap and Vary', () => {
  it('caps an open-ended range for a capped client and says Vary: Sec-Fetch-Dest', () => {
    const decision = decide(get({ range: 'bytes=100-' }), representation, { ...policy, capOpenEnded: true, maxChunkSize: 1000 });
    expect(decision.status).toBe(206);
    expect(decision.headers['Content-Range']).toBe('bytes 100-1099/10000');
    expect(decision.headers['Content-Length']).toBe('1000');
    expect(decision.headers['Vary']).toBe('Sec-Fetch-Dest');
  });

  it('an uncapped open-ended answer varies too: both depended on the header', () => {
    const decision = decide(get({ range: 'bytes=100-' }), representation, policy);
    expect(decision.headers['Content-Range']).toBe('bytes 100-9999/10000');
    expect(decision.headers['Vary']).toBe('Sec-Fetch-Dest');
  });

  it('closed ranges and scope "all" do not vary', () => {
    expect(decide(get({ range: 'bytes=0-1' }), representation, policy).headers['Vary']).toBeUndefined();
    const all = { ...policy, capOpenEnded: true, capVariesByFetchDest: false, maxChunkSize: 1000 };
    expect(decide(get({ range: 'bytes=0-' }), representation, all).headers['Vary']).toBeUndefined();
  });
});

describe('decide: multipart', () => {
  it('answers several ranges with multipart/byteranges and an exact length', () => {
    const decision = decide(get({ range: 'bytes=0-99,5000-5099' }), representation, policy);
    expect(decision.status).toBe(206);
    expect(decision.body.kind).toBe('multipart');
    expect(decision.headers['Content-Type']).toMatch(/^multipart\/byteranges; boundary=[0-9a-f]{24}$/);
    if (decision.body.kind !== 'multipart') throw new Error('expected multipart');
    expect(decision.headers['Content-Length']).toBe(String(decision.body.multipart.length));
    expect(decision.ranges).toEqual([{ start: 0, end: 99 }, { start: 5000, end: 5099 }]);
  });

  it('falls back to 200 when framing would make the body larger than the file', () => {
    const small = { ...representation, size: 100 };
    expect(decide(get({ range: 'bytes=0-0,2-2,4-4' }), small, policy).status).toBe(200);
  });

  it('an empty representation is a 200 with no body', () => {
    const decision = decide(get({ range: 'bytes=0-' }), { ...representation, size: 0 }, policy);
    expect(decision).toMatchObject({ status: 200, body: { kind: 'none' } });
    expect(decision.headers['Content-Length']).toBe('0');
  });
});
