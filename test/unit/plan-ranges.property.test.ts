import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { capRange } from '../../src/range/cap.js';
import { planRanges } from '../../src/range/plan-ranges.js';
import { rangeHeader, representationSize } from '../security/range-arbitraries.js';
import { oraclePlan, type OracleOptions, type OraclePlan } from '../security/range-oracle.js';

const options = fc.record<OracleOptions>({
  maxRanges: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.constant(100)),
  maxChunkSize: fc.oneof(fc.integer({ min: 1, max: 30_000 }), fc.constant(Infinity)),
  capOpenEnded: fc.boolean(),
});

/**
 * The library's plan, then its cap (scope 'all' for a capped client, none otherwise), in the oracle's
 * vocabulary (the reason for an ignored header is dropped).
 */
function libraryPlan(size: number, header: string, opts: OracleOptions): OraclePlan {
  const plan = planRanges(size, header, opts);
  if (plan.kind !== 'ranges') return { kind: plan.kind };
  let ranges = plan.ranges.map(({ start, end }) => ({ start, end }));
  let capped = false;
  const [only] = ranges;
  if (ranges.length === 1 && only !== undefined) {
    const capScope = opts.capOpenEnded ? 'all' : () => false;
    const { range } = capRange(only, plan.reachesEnd, { maxChunkSize: opts.maxChunkSize, capScope, fetchDest: undefined, request: undefined });
    capped = range !== only;
    ranges = [{ start: range.start, end: range.end }];
  }
  return { kind: 'ranges', ranges, reachesEnd: plan.reachesEnd, capped };
}

const input = representationSize.chain((size) => fc.tuple(fc.constant(size), rangeHeader(size), options));

describe('planRanges against the RFC 9110 oracle', () => {
  it('agrees with the oracle on random sizes and grammar-built headers, junk included', () => {
    fc.assert(
      fc.property(input, ([size, header, opts]) => {
        expect(libraryPlan(size, header, opts)).toEqual(oraclePlan(size, header, opts));
      }),
      { numRuns: 5_000 },
    );
  });

  it('agrees on arbitrary strings (no grammar at all)', () => {
    fc.assert(
      fc.property(representationSize, fc.string({ maxLength: 40 }), options, (size, header, opts) => {
        expect(libraryPlan(size, header, opts)).toEqual(oraclePlan(size, header, opts));
      }),
      { numRuns: 2_000 },
    );
  });

  it('every planned range lies inside the representation, sorted and disjoint, never more bytes than it', () => {
    fc.assert(
      fc.property(input, ([size, header, opts]) => {
        const plan = libraryPlan(size, header, opts);
        if (plan.kind !== 'ranges') return;
        let total = 0;
        let previousEnd = -2;
        for (const { start, end } of plan.ranges) {
          expect(Number.isSafeInteger(start) && Number.isSafeInteger(end)).toBe(true);
          expect(start).toBeGreaterThan(previousEnd + 1);
          expect(end).toBeGreaterThanOrEqual(start);
          expect(end).toBeLessThan(size);
          total += end - start + 1;
          previousEnd = end;
        }
        expect(total).toBeLessThanOrEqual(size);
        if (plan.capped) expect(total).toBe(opts.maxChunkSize);
      }),
      { numRuns: 3_000 },
    );
  });

  it.each([
    // Numbers whose difference disappears in floating point: the oracle compares exactly.
    { size: 100, header: 'bytes=9007199254740993-9007199254740992' },
    { size: 100, header: 'bytes=18446744073709551617-18446744073709551616' },
    { size: 100, header: 'bytes=0-18446744073709551615' },
    { size: 100, header: 'bytes=-9223372036854775808' },
    { size: 2 ** 40, header: 'bytes=1099511627775-' },
    { size: 100, header: 'bytes=0-1,,5-6' },
    { size: 100, header: 'bytes=0-1,' },
    { size: 100, header: 'bytes=\u00a00-1' },
  ])('agrees on $header (size $size)', ({ size, header }) => {
    const opts = { maxRanges: 100, maxChunkSize: Infinity, capOpenEnded: false };
    expect(libraryPlan(size, header, opts)).toEqual(oraclePlan(size, header, opts));
  });
});
