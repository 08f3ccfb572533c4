import { describe, expect, it } from 'vitest';
import { buildHeaders, readAppFields, type AppHeaders, type HeaderAnswer, type Representation } from '../../src/http/headers.js';

const representation: Representation = {
  size: 10_000,
  contentType: 'audio/mpeg',
  etag: '"abc"',
  lastModified: Date.UTC(2024, 2, 1, 12, 0, 0),
  lastModifiedField: undefined,
  cacheControl: 'public, max-age=0',
  acceptRanges: true,
};
/** What an app typically set before the answer: representation metadata and other fields. */
const app: AppHeaders = {
  'X-Powered-By': 'Express',
  'Set-Cookie': ['a=1', 'b=2'],
  'Content-Language': 'de',
  'Content-Disposition': 'inline',
  'Content-Location': '/media/a.mp3',
  'Content-Encoding': 'identity',
  Expires: 'Sat, 02 Mar 2024 12:00:00 GMT',
  Vary: 'Origin',
  'X-Count': 3,
};
const ANSWERS: Record<number, HeaderAnswer> = {
  200: { status: 200 },
  206: { status: 206, contentType: 'audio/mpeg', length: 100, contentRange: 'bytes 0-99/10000', varyFetchDest: true },
  304: { status: 304 },
  412: { status: 412 },
  416: { status: 416 },
};
const headersOf = (status: number, rep: Representation = representation, appHeaders: AppHeaders = app) =>
  buildHeaders(ANSWERS[status]!, rep, appHeaders, readAppFields(appHeaders));

const LM = 'Fri, 01 Mar 2024 12:00:00 GMT';
const ours = { 'Cache-Control': 'public, max-age=0', ETag: '"abc"', 'Last-Modified': LM, 'Accept-Ranges': 'bytes' };
const others = { 'X-Powered-By': 'Express', 'Set-Cookie': ['a=1', 'b=2'], Expires: 'Sat, 02 Mar 2024 12:00:00 GMT', 'X-Count': '3' };
const appContent = { 'Content-Language': 'de', 'Content-Disposition': 'inline', 'Content-Location': '/media/a.mp3', 'Content-Encoding': 'identity' };

describe('buildHeaders: which fields each status carries', () => {
  it.each([
    { status: 200, expected: { ...others, ...appContent, ...ours, Vary: 'Origin', 'Content-Type': 'audio/mpeg', 'Content-Length': '10000' } },
    {
      status: 206,
      expected: { ...others, ...appContent, ...ours, Vary: 'Origin, Sec-Fetch-Dest', 'Content-Type': 'audio/mpeg', 'Content-Range': 'bytes 0-99/10000', 'Content-Length': '100' },
    },
    // RFC 9110 §15.4.5: what updates a cached copy; Last-Modified only without an ETag.
    { status: 304, expected: { ...others, 'Content-Location': '/media/a.mp3', 'Cache-Control': 'public, max-age=0', ETag: '"abc"', Vary: 'Origin' } },
    // No representation: none of the app's Content-* fields.
    { status: 412, expected: { ...others, Vary: 'Origin', 'Content-Length': '0' } },
    { status: 416, expected: { ...others, ...ours, Vary: 'Origin', 'Content-Range': 'bytes */10000', 'Content-Length': '0' } },
  ])('$status', ({ status, expected }) => {
    expect(headersOf(status)).toEqual(expected);
  });

  it('a 304 carries Last-Modified when there is no ETag (its only validator)', () => {
    expect(headersOf(304, { ...representation, etag: undefined }, {})).toEqual({ 'Cache-Control': 'public, max-age=0', 'Last-Modified': LM });
  });
});

describe('buildHeaders: the app’s own fields', () => {
  it('its Content-Type, ETag, Last-Modified and Cache-Control are folded into ours: one field each, whatever the case', () => {
    const set: AppHeaders = { 'content-type': 'video/webm', ETAG: '"x"', 'last-modified': 'Sat, 02 Mar 2024 12:00:00 GMT', 'Cache-control': ['no-cache', 'private'], 'content-length': 5 };
    const fields = readAppFields(set);
    expect(fields).toEqual({ contentType: 'video/webm', etag: '"x"', lastModified: 'Sat, 02 Mar 2024 12:00:00 GMT', cacheControl: 'no-cache, private', vary: undefined });
    const rep = { ...representation, contentType: 'video/webm', etag: '"x"', lastModifiedField: fields.lastModified, cacheControl: fields.cacheControl };
    expect(buildHeaders({ status: 200 }, rep, set, fields)).toEqual({
      'Cache-Control': 'no-cache, private', ETag: '"x"', 'Last-Modified': 'Sat, 02 Mar 2024 12:00:00 GMT', 'Accept-Ranges': 'bytes',
      'Content-Type': 'video/webm', 'Content-Length': '10000',
    });
  });

  it('a 412 keeps the app’s Cache-Control only', () => {
    const set = { 'Cache-Control': 'no-store' };
    expect(buildHeaders({ status: 412 }, representation, set, readAppFields(set))).toEqual({ 'Cache-Control': 'no-store', 'Content-Length': '0' });
  });

  it.each([
    { vary: 'Sec-Fetch-Dest', merged: 'Sec-Fetch-Dest' },
    { vary: 'origin, sec-fetch-dest', merged: 'origin, sec-fetch-dest' },
    { vary: '*', merged: '*' },
    { vary: '', merged: 'Sec-Fetch-Dest' },
  ])('Vary $vary merged with Sec-Fetch-Dest → $merged', ({ vary, merged }) => {
    const set = { Vary: vary };
    expect(buildHeaders(ANSWERS[206]!, representation, set, readAppFields(set))['Vary']).toBe(merged);
  });

  it('no app headers: the same object shape each time, and no fields of the app', () => {
    expect(readAppFields({})).toBe(readAppFields({ 'X-Powered-By': 'Express' }));
  });
});
