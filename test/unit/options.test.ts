import { describe, expect, it } from 'vitest';
import { normalizeMiddlewareOptions, normalizeSendOptions, parseMaxAge } from '../../src/options.js';

describe('options: defaults', () => {
  it('match serve-static where names are shared, and set our own', () => {
    expect(normalizeMiddlewareOptions()).toEqual({
      acceptRanges: true,
      cacheControl: 'public, max-age=0',
      etag: true,
      lastModified: true,
      setHeaders: undefined,
      maxChunkSize: 2_097_152,
      capScope: 'media',
      maxRanges: 100,
      onResponse: undefined,
      dotfiles: 'ignore',
      fallthrough: true,
    });
  });

  it("etag takes true, false, 'content' or a function", () => {
    const own = (): string => '"x"';
    for (const etag of [true, false, 'content', own] as const) expect(normalizeSendOptions({ etag }).etag).toBe(etag);
  });

  it('are frozen', () => {
    expect(Object.isFrozen(normalizeSendOptions({}))).toBe(true);
  });
});

describe('options: Cache-Control', () => {
  it.each([
    { options: { maxAge: 60_000 }, header: 'public, max-age=60' },
    { options: { maxAge: '7d' }, header: 'public, max-age=604800' },
    { options: { maxAge: '1y', immutable: true }, header: 'public, max-age=31536000, immutable' },
    { options: { maxAge: '5y' }, header: 'public, max-age=31536000' },
    { options: { maxAge: 1500 }, header: 'public, max-age=1' },
    { options: { cacheControl: false, maxAge: '7d' }, header: undefined },
  ])('$options → $header', ({ options, header }) => {
    expect(normalizeSendOptions(options).cacheControl).toBe(header);
  });

  it.each([
    ['0', 0], ['250', 250], ['2s', 2000], ['1.5h', 5_400_000], ['30 m', 1_800_000], ['2W', 1_209_600_000],
  ] as const)('parseMaxAge(%j) = %d', (value, ms) => {
    expect(parseMaxAge(value)).toBe(ms);
  });

  // serve-static reads maxAge strings with the ms package; these are its words (test/http/max-age.test.ts
  // compares every one with express.static's own header).
  it.each([
    ['2 weeks', 1_209_600_000], ['1 year', 31_536_000_000], ['30 min', 1_800_000], ['2 days', 172_800_000],
    ['1 hr', 3_600_000], ['1.5 hours', 5_400_000], ['3 mins', 180_000], ['10 secs', 10_000], ['1 week', 604_800_000],
    ['500 msecs', 500], ['2.5 Days', 216_000_000], ['.5h', 1_800_000], ['12 Hrs', 43_200_000],
  ] as const)('parseMaxAge(%j) = %d, as in serve-static', (value, ms) => {
    expect(parseMaxAge(value)).toBe(ms);
  });
});

describe('options: bad values throw a TypeError naming the option', () => {
  it.each([
    [{ maxChunkSize: 0 }, /^maxChunkSize/],
    [{ maxChunkSize: -1 }, /^maxChunkSize/],
    [{ maxChunkSize: 1.5 }, /^maxChunkSize/],
    [{ maxChunkSize: '2MB' }, /^maxChunkSize/],
    [{ maxRanges: 0 }, /^maxRanges/],
    [{ maxAge: 'forever' }, /^maxAge/],
    [{ maxAge: -5 }, /^maxAge/],
    [{ maxAge: '-1d' }, /^maxAge/],
    [{ maxAge: '' }, /^maxAge/],
    [{ maxAge: '2 fortnights' }, /^maxAge/],
    [{ maxAge: NaN }, /^maxAge/],
    [{ etag: 'strong' }, /^etag/],
    [{ acceptRanges: 'yes' }, /^acceptRanges/],
    [{ capScope: 'audio' }, /^capScope/],
    [{ setHeaders: {} }, /^setHeaders/],
    [{ onResponse: 'log' }, /^onResponse/],
    [{ dotfiles: 'hide' }, /^dotfiles/],
    [{ fallthrough: 1 }, /^fallthrough/],
    [{ maxage: 1000 }, /^maxage is not an option/],
  ])('%j', (options, message) => {
    expect(() => normalizeMiddlewareOptions(options as never)).toThrow(TypeError);
    expect(() => normalizeMiddlewareOptions(options as never)).toThrow(message);
  });

  it.each(['dotfiles', 'fallthrough'])('sendRange says %s is an option of the middleware only', (name) => {
    expect(() => normalizeSendOptions({ [name]: undefined } as never)).toThrow(
      new RegExp(`^${name} is an option of partialContent \\(the middleware\\) only`),
    );
  });

  it('Infinity switches the cap off', () => {
    expect(normalizeSendOptions({ maxChunkSize: Infinity }).maxChunkSize).toBe(Infinity);
  });
});
