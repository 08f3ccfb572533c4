import { describe, expect, it } from 'vitest';
import { contentLength, identityEncoded, isPresigned, probeUpstream, sizeFromProbe, type UpstreamRequest } from '../../src/sources/upstream-probe.js';

const answer = (status: number, headers: Record<string, string> = {}, body: string | null = null): Response =>
  new Response(status === 204 || status === 304 ? null : body, { status, headers });

/** An upstream that answers each request with the next entry of `answers`, recording what was asked. */
function scripted(answers: readonly Response[]): { request: UpstreamRequest; asked: Array<[string, string | undefined]> } {
  const asked: Array<[string, string | undefined]> = [];
  const queue = [...answers];
  const request: UpstreamRequest = async (method, extra) => {
    asked.push([method, extra['range']]);
    const next = queue.shift();
    if (next === undefined) throw new Error(`unexpected ${method}`);
    return next;
  };
  return { request, asked };
}

describe('probeUpstream', () => {
  it.each([
    ['a HEAD with a length is enough', false, [answer(200, { 'content-length': '10' })], [['HEAD', undefined]], 200],
    ['a 404 to HEAD is the answer', false, [answer(404)], [['HEAD', undefined]], 404],
    [
      'HEAD refused (405): GET bytes=0-0',
      false,
      [answer(405), answer(206, { 'content-range': 'bytes 0-0/10' }, 'x')],
      [['HEAD', undefined], ['GET', 'bytes=0-0']],
      206,
    ],
    [
      'HEAD without a length: GET bytes=0-0',
      false,
      [answer(200), answer(206, { 'content-range': 'bytes 0-0/10' }, 'x')],
      [['HEAD', undefined], ['GET', 'bytes=0-0']],
      206,
    ],
    ['a presigned URL never gets a HEAD', true, [answer(206, { 'content-range': 'bytes 0-0/10' }, 'x')], [['GET', 'bytes=0-0']], 206],
    [
      'an empty representation (416 without a size): a plain GET',
      true,
      [answer(416), answer(200, { 'content-length': '0' })],
      [['GET', 'bytes=0-0'], ['GET', undefined]],
      200,
    ],
    ['a 403 to the ranged GET is the answer', true, [answer(403)], [['GET', 'bytes=0-0']], 403],
  ] as const)('%s', async (_name, presigned, answers, expectedAsks, status) => {
    const { request, asked } = scripted(answers);
    const probe = await probeUpstream(request, presigned);
    expect(probe.status).toBe(status);
    expect(asked).toEqual(expectedAsks);
  });
});

describe('sizeFromProbe', () => {
  it.each([
    ['200 with Content-Length', answer(200, { 'content-length': '1234' }), 1234],
    ['200 without Content-Length', answer(200), undefined],
    ['404 with Content-Length', answer(404, { 'content-length': '9' }), undefined],
    ['206 for 0-0', answer(206, { 'content-range': 'bytes 0-0/500' }), 500],
    ['206 longer than 0-0 (s3rver sends it all)', answer(206, { 'content-range': 'bytes 0-499/500' }), 500],
    ['206 not starting at 0', answer(206, { 'content-range': 'bytes 1-1/500' }), undefined],
    ['206 with an unknown size', answer(206, { 'content-range': 'bytes 0-0/*' }), undefined],
    ['416 for an empty representation', answer(416, { 'content-range': 'bytes */0' }), 0],
    ['416 for a non-empty one', answer(416, { 'content-range': 'bytes */10' }), undefined],
    ['416 without Content-Range', answer(416), undefined],
  ])('%s → %s', (_name, response, size) => {
    expect(sizeFromProbe(response)).toBe(size);
  });
});

describe('isPresigned', () => {
  it.each([
    ['https://bucket.s3.amazonaws.com/k?X-Amz-Signature=abc', true],
    ['https://storage.googleapis.com/b/k?x-goog-signature=abc', true],
    ['https://d111.cloudfront.net/k?Expires=1&Signature=abc&Key-Pair-Id=K', true],
    ['https://example.com/k?signed=1', false],
    ['https://example.com/k', false],
  ])('%s → %s', (url, presigned) => {
    expect(isPresigned(new URL(url))).toBe(presigned);
  });
});

describe('contentLength and identityEncoded', () => {
  it.each([
    ['42', 42],
    [' 42 ', 42],
    ['-1', undefined],
    ['4.2', undefined],
    ['99999999999999999999', undefined],
  ])('Content-Length %j → %s', (value, length) => {
    expect(contentLength(answer(200, { 'content-length': value }))).toBe(length);
  });

  it.each([
    [undefined, true],
    ['identity', true],
    [' Identity ', true],
    ['gzip', false],
  ])('Content-Encoding %j → %s', (encoding, identity) => {
    expect(identityEncoded(answer(200, encoding === undefined ? {} : { 'content-encoding': encoding }))).toBe(identity);
  });
});
