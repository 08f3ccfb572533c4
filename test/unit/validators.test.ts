import { describe, expect, it } from 'vitest';
import {
  fileEntityTag,
  fileMtimeMillis,
  formatHttpDate,
  parseEntityTag,
  parseEntityTagList,
  parseHttpDate,
  strongMatch,
  weakMatch,
} from '../../src/http/validators.js';

describe('entity tags', () => {
  it.each([
    { value: '"abc"', parsed: { weak: false, opaque: '"abc"' } },
    { value: 'W/"abc"', parsed: { weak: true, opaque: '"abc"' } },
    { value: ' "abc" ', parsed: { weak: false, opaque: '"abc"' } },
    { value: '""', parsed: { weak: false, opaque: '""' } },
    { value: 'abc', parsed: undefined },
    { value: '"a"b"', parsed: undefined },
    { value: 'w/"abc"', parsed: undefined },
    { value: '"abc', parsed: undefined },
  ])('parseEntityTag($value)', ({ value, parsed }) => {
    expect(parseEntityTag(value)).toEqual(parsed);
  });

  it('parses lists, skipping malformed members', () => {
    expect(parseEntityTagList('"a", W/"b", junk, "c"')).toEqual([
      { weak: false, opaque: '"a"' },
      { weak: true, opaque: '"b"' },
      { weak: false, opaque: '"c"' },
    ]);
    expect(parseEntityTagList(' * ')).toBe('*');
  });

  it.each([
    // RFC 9110 §8.8.3.2 comparison table.
    { a: 'W/"1"', b: 'W/"1"', strong: false, weak: true },
    { a: 'W/"1"', b: 'W/"2"', strong: false, weak: false },
    { a: 'W/"1"', b: '"1"', strong: false, weak: true },
    { a: '"1"', b: '"1"', strong: true, weak: true },
  ])('$a vs $b', ({ a, b, strong, weak }) => {
    const [x, y] = [parseEntityTag(a), parseEntityTag(b)];
    expect(x && y && strongMatch(x, y)).toBe(strong);
    expect(x && y && weakMatch(x, y)).toBe(weak);
  });
});

describe('HTTP dates', () => {
  const expected = Date.UTC(1994, 10, 6, 8, 49, 37);
  it.each([
    'Sun, 06 Nov 1994 08:49:37 GMT',
    'Sunday, 06-Nov-94 08:49:37 GMT',
    'Sun Nov  6 08:49:37 1994',
  ])('parses %s', (value) => {
    expect(parseHttpDate(value)).toBe(expected);
  });

  it.each(['', 'yesterday', '1994-11-06T08:49:37Z', 'Sun, 06 Nov 1994 08:49:37 PST', '784111777'])('ignores %j', (value) => {
    expect(parseHttpDate(value)).toBeUndefined();
  });

  it('formats IMF-fixdate', () => {
    expect(formatHttpDate(new Date(expected))).toBe('Sun, 06 Nov 1994 08:49:37 GMT');
  });
});

describe('fileEntityTag', () => {
  const MTIME = 1_700_000_000_123.456; // milliseconds, as Stats.mtimeMs gives them on Node and Bun

  it('is strong and changes with size and mtime to the millisecond', () => {
    const base = fileEntityTag(1000, MTIME);
    expect(parseEntityTag(base)?.weak).toBe(false);
    expect(fileEntityTag(1001, MTIME)).not.toBe(base);
    expect(fileEntityTag(1000, MTIME + 1)).not.toBe(base);
    expect(fileEntityTag(1000, MTIME - 1000)).not.toBe(base);
    expect(fileEntityTag(1000, MTIME)).toBe(base);
  });

  it('holds only size and mtime in whole milliseconds: "<size hex>-<mtime ms hex>"', () => {
    expect(fileEntityTag(1000, MTIME)).toBe(`"3e8-${(1_700_000_000_123).toString(16)}"`);
    expect(fileEntityTag(0, 0)).toBe('"0-0"');
  });

  it("gives Node's and Bun's sub-millisecond mtime the tag Deno gives the same file (whole milliseconds)", () => {
    // Deno's stat reports 1_700_000_000_123 for the file Node and Bun see at ….123456 or ….999.
    for (const seen of [1_700_000_000_123, 1_700_000_000_123.456, 1_700_000_000_123.999]) {
      expect(fileEntityTag(1000, seen)).toBe(fileEntityTag(1000, 1_700_000_000_123));
    }
  });
});

describe('fileMtimeMillis', () => {
  it("truncates (Node's Stats.mtime rounds ….9996 s up to the next second; Bun and Deno do not)", () => {
    const justBefore = Date.UTC(2025, 5, 30, 23, 59, 59, 999) + 0.6;
    expect(new Date(fileMtimeMillis(justBefore)).toUTCString()).toBe('Mon, 30 Jun 2025 23:59:59 GMT');
    expect(fileMtimeMillis(1_700_000_000_123)).toBe(1_700_000_000_123);
  });
});
