import { describe, expect, it } from 'vitest';
import { coalesce, planRanges, type RangePlanOptions } from '../../src/range/plan-ranges.js';
import { RANGE_CASES } from '../cases/range-cases.js';

const uncapped: RangePlanOptions = { maxChunkSize: Infinity, capOpenEnded: false, maxRanges: 100 };

describe('planRanges: the shared range table', () => {
  it.each(RANGE_CASES)('$name ($header on $size bytes)', ({ size, header, expected }) => {
    const plan = planRanges(size, header, uncapped);
    if (expected.kind === 'ranges') {
      expect(plan).toMatchObject({ kind: 'ranges', ranges: expected.ranges, capped: false });
    } else {
      expect(plan.kind).toBe(expected.kind === 'full' ? 'ignore' : 'unsatisfiable');
    }
  });

  it('absent header is ignored', () => {
    expect(planRanges(100, undefined, uncapped)).toEqual({ kind: 'ignore', reason: 'absent' });
  });
});

describe('planRanges: the cap on ranges reaching the end', () => {
  const capped: RangePlanOptions = { maxChunkSize: 1000, capOpenEnded: true, maxRanges: 100 };

  it.each([
    { header: 'bytes=0-', expected: { start: 0, end: 999 }, cut: true },
    { header: 'bytes=5000-', expected: { start: 5000, end: 5999 }, cut: true },
    { header: 'bytes=9000-', expected: { start: 9000, end: 9999 }, cut: false }, // exactly the cap to EOF
    { header: 'bytes=9500-', expected: { start: 9500, end: 9999 }, cut: false }, // EOF before the cap
    { header: 'bytes=9999-', expected: { start: 9999, end: 9999 }, cut: false }, // N = size - 1
  ])('$header → $expected.start-$expected.end', ({ header, expected, cut }) => {
    expect(planRanges(10_000, header, capped)).toEqual({ kind: 'ranges', ranges: [expected], reachesEnd: true, capped: cut });
  });

  it('bytes=0- and bytes=0-9998 plan differently: only a range reaching the end is capped', () => {
    expect(planRanges(10_000, 'bytes=0-9998', capped)).toEqual({
      kind: 'ranges', ranges: [{ start: 0, end: 9998 }], reachesEnd: false, capped: false,
    });
    expect(planRanges(10_000, 'bytes=0-', capped)).toMatchObject({ ranges: [{ start: 0, end: 999 }], capped: true });
  });

  it.each(['bytes=5000-9999', 'bytes=5000-20000'])(
    'caps %s too: Chromium’s cache rewrites a media element’s bytes=N- into N-(size-1)',
    (header) => {
      expect(planRanges(10_000, header, capped)).toEqual({
        kind: 'ranges', ranges: [{ start: 5000, end: 5999 }], reachesEnd: true, capped: true,
      });
    },
  );

  it('never caps suffixes, bounded ranges or several specs', () => {
    expect(planRanges(10_000, 'bytes=-5000', capped)).toMatchObject({ ranges: [{ start: 5000, end: 9999 }], capped: false });
    expect(planRanges(10_000, 'bytes=0-1', capped)).toMatchObject({ ranges: [{ start: 0, end: 1 }], capped: false });
    expect(planRanges(10_000, 'bytes=0-9,5000-', capped)).toMatchObject({
      ranges: [{ start: 0, end: 9 }, { start: 5000, end: 9999 }], reachesEnd: false,
    });
  });

  it('marks a range reaching the end as such even when this client is not capped', () => {
    expect(planRanges(10_000, 'bytes=0-', { ...capped, capOpenEnded: false })).toEqual({
      kind: 'ranges', ranges: [{ start: 0, end: 9999 }], reachesEnd: true, capped: false,
    });
  });

  it('a cap past the end of the file is unsatisfiable, not capped', () => {
    expect(planRanges(10_000, 'bytes=10000-', capped)).toEqual({ kind: 'unsatisfiable' });
  });
});

describe('planRanges: limits', () => {
  it('ignores more specs than maxRanges', () => {
    const header = `bytes=${Array.from({ length: 101 }, (_, i) => `${i * 10}-${i * 10}`).join(',')}`;
    expect(planRanges(10_000, header, uncapped)).toEqual({ kind: 'ignore', reason: 'too-many-ranges' });
    expect(planRanges(10_000, header, { ...uncapped, maxRanges: 101 }).kind).toBe('ranges');
  });

  it('maxRanges 1 allows single ranges only', () => {
    const one = { ...uncapped, maxRanges: 1 };
    expect(planRanges(100, 'bytes=0-1', one).kind).toBe('ranges');
    expect(planRanges(100, 'bytes=0-1,5-6', one)).toEqual({ kind: 'ignore', reason: 'too-many-ranges' });
  });
});

describe('coalesce', () => {
  it.each([
    { input: [], output: [] },
    { input: [[5, 9]], output: [[5, 9]] },
    { input: [[5, 9], [0, 4]], output: [[0, 9]] },
    { input: [[0, 4], [6, 9]], output: [[0, 4], [6, 9]] },
    { input: [[0, 9], [2, 3]], output: [[0, 9]] },
    { input: [[10, 20], [0, 5], [4, 12]], output: [[0, 20]] },
  ])('$input → $output', ({ input, output }) => {
    const toRanges = (pairs: number[][]) => pairs.map(([start = 0, end = 0]) => ({ start, end }));
    expect(coalesce(toRanges(input))).toEqual(toRanges(output));
  });
});
