import { describe, expect, it } from 'vitest';
import { coalesce, planRanges, type RangePlanOptions } from '../../src/range/plan-ranges.js';
import { RANGE_CASES } from '../cases/range-cases.js';

const options: RangePlanOptions = { maxRanges: 100 };

describe('planRanges: the shared range table', () => {
  it.each(RANGE_CASES)('$name ($header on $size bytes)', ({ size, header, expected }) => {
    const plan = planRanges(size, header, options);
    if (expected.kind === 'ranges') {
      expect(plan).toMatchObject({ kind: 'ranges', ranges: expected.ranges });
    } else {
      expect(plan.kind).toBe(expected.kind === 'full' ? 'ignore' : 'unsatisfiable');
    }
  });

  it('absent header is ignored', () => {
    expect(planRanges(100, undefined, options)).toEqual({ kind: 'ignore', reason: 'absent' });
  });
});

describe('planRanges: which ranges reach the end (the form the cap applies to)', () => {
  it.each([
    { header: 'bytes=0-', reachesEnd: true },
    { header: 'bytes=5000-', reachesEnd: true },
    { header: 'bytes=9999-', reachesEnd: true },
    // Chromium's cache rewrites a media element's bytes=N- into N-(size-1).
    { header: 'bytes=5000-9999', reachesEnd: true },
    { header: 'bytes=5000-20000', reachesEnd: true },
    { header: 'bytes=0-9998', reachesEnd: false },
    { header: 'bytes=-5000', reachesEnd: false },
    { header: 'bytes=0-1', reachesEnd: false },
    { header: 'bytes=0-9,5000-', reachesEnd: false },
  ])('$header → reachesEnd $reachesEnd', ({ header, reachesEnd }) => {
    expect(planRanges(10_000, header, options)).toMatchObject({ kind: 'ranges', reachesEnd });
  });

  it('a range starting at the end is unsatisfiable', () => {
    expect(planRanges(10_000, 'bytes=10000-', options)).toEqual({ kind: 'unsatisfiable' });
  });
});

describe('planRanges: limits', () => {
  it('ignores more specs than maxRanges', () => {
    const header = `bytes=${Array.from({ length: 101 }, (_, i) => `${i * 10}-${i * 10}`).join(',')}`;
    expect(planRanges(10_000, header, options)).toEqual({ kind: 'ignore', reason: 'too-many-ranges' });
    expect(planRanges(10_000, header, { ...options, maxRanges: 101 }).kind).toBe('ranges');
  });

  it('maxRanges 1 allows single ranges only', () => {
    const one = { ...options, maxRanges: 1 };
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
