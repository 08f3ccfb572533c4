import type { ByteRange } from '../../src/types.js';

/** What a `Range` header must produce for a representation of `size` bytes (no cap involved). */
export type RangeExpectation =
  | { readonly kind: 'full' }
  | { readonly kind: 'unsatisfiable' }
  | { readonly kind: 'ranges'; readonly ranges: readonly ByteRange[] };

export interface RangeCase {
  readonly name: string;
  readonly size: number;
  readonly header: string;
  readonly expected: RangeExpectation;
}

const full = { kind: 'full' } as const;
const unsatisfiable = { kind: 'unsatisfiable' } as const;
const ranges = (...pairs: Array<[number, number]>): RangeExpectation => ({
  kind: 'ranges',
  ranges: pairs.map(([start, end]) => ({ start, end })),
});

/**
 * The range table shared by the unit tests (planRanges) and the HTTP tests (real responses, bodies
 * compared with the file). Sizes match the fixtures: 100 (nums.txt), 10,000 (data.bin), 0 (empty.bin).
 */
export const RANGE_CASES: readonly RangeCase[] = [
  // Single ranges, every form (RFC 9110 §14.1.2).
  { name: 'first byte', size: 10_000, header: 'bytes=0-0', expected: ranges([0, 0]) },
  { name: 'last byte', size: 10_000, header: 'bytes=9999-9999', expected: ranges([9999, 9999]) },
  { name: 'bounded middle', size: 10_000, header: 'bytes=1000-1999', expected: ranges([1000, 1999]) },
  { name: 'Safari probe 0-1', size: 10_000, header: 'bytes=0-1', expected: ranges([0, 1]) },
  { name: 'one byte range', size: 100, header: 'bytes=5-5', expected: ranges([5, 5]) },
  { name: 'open-ended', size: 10_000, header: 'bytes=9000-', expected: ranges([9000, 9999]) },
  { name: 'open-ended from 0', size: 10_000, header: 'bytes=0-', expected: ranges([0, 9999]) },
  { name: 'open-ended at size-1', size: 10_000, header: 'bytes=9999-', expected: ranges([9999, 9999]) },
  { name: 'suffix', size: 10_000, header: 'bytes=-500', expected: ranges([9500, 9999]) },
  { name: 'suffix of one', size: 100, header: 'bytes=-1', expected: ranges([99, 99]) },
  { name: 'suffix equal to size', size: 100, header: 'bytes=-100', expected: ranges([0, 99]) },
  { name: 'suffix longer than the file selects all (range-parser 1.3.0 says 416)', size: 100, header: 'bytes=-500', expected: ranges([0, 99]) },
  { name: 'end past the end is clamped (seed 001 says 416)', size: 100, header: 'bytes=50-4096', expected: ranges([50, 99]) },
  { name: 'seed 000 example: 1024-4096 of 2048', size: 2048, header: 'bytes=1024-4096', expected: ranges([1024, 2047]) },
  { name: 'huge end is clamped', size: 100, header: 'bytes=0-99999999999999999999', expected: ranges([0, 99]) },
  { name: 'unit is case-insensitive', size: 100, header: 'BYTES=10-19', expected: ranges([10, 19]) },
  { name: 'mixed-case unit', size: 100, header: 'Bytes=10-19', expected: ranges([10, 19]) },
  { name: 'whitespace around a spec', size: 100, header: 'bytes= 10-19 ', expected: ranges([10, 19]) },
  { name: 'leading zeros', size: 100, header: 'bytes=010-019', expected: ranges([10, 19]) },

  // Unsatisfiable (RFC 9110 §15.5.17).
  { name: 'first position at the end', size: 100, header: 'bytes=100-', expected: unsatisfiable },
  { name: 'first position past the end', size: 100, header: 'bytes=100-200', expected: unsatisfiable },
  { name: 'far past the end', size: 100, header: 'bytes=99999999999999999999-', expected: unsatisfiable },
  { name: 'suffix of zero', size: 100, header: 'bytes=-0', expected: unsatisfiable },
  { name: 'all specs unsatisfiable', size: 100, header: 'bytes=200-300,400-', expected: unsatisfiable },

  // Ignored: the whole representation (RFC 9110 §14.2 lets a server ignore Range).
  { name: 'another unit', size: 100, header: 'items=0-5', expected: full },
  { name: 'no equals sign', size: 100, header: 'bytes', expected: full },
  { name: 'garbage', size: 100, header: 'asdf', expected: full },
  { name: 'letters as positions', size: 100, header: 'bytes=abc-def', expected: full },
  { name: 'trailing garbage', size: 100, header: 'bytes=0-1abc', expected: full },
  { name: 'inverted range is invalid', size: 100, header: 'bytes=50-10', expected: full },
  { name: 'inverted and past the end is invalid', size: 100, header: 'bytes=150-120', expected: full },
  { name: 'inverted member invalidates the header', size: 100, header: 'bytes=0-1,9-5', expected: full },
  { name: 'negative start', size: 100, header: 'bytes=--5', expected: full },
  { name: 'empty set', size: 100, header: 'bytes=', expected: full },
  { name: 'lone dash', size: 100, header: 'bytes=-', expected: full },
  { name: 'empty list member', size: 100, header: 'bytes=0-1,,5-6', expected: full },
  { name: 'empty representation ignores ranges', size: 0, header: 'bytes=0-', expected: full },
  { name: 'empty representation, suffix', size: 0, header: 'bytes=-5', expected: full },

  // Several ranges: coalescing and the amplification policy.
  { name: 'two disjoint ranges', size: 10_000, header: 'bytes=0-99,5000-5099', expected: ranges([0, 99], [5000, 5099]) },
  { name: 'three ranges, out of order, sorted', size: 10_000, header: 'bytes=9000-9099,0-9,500-509', expected: ranges([0, 9], [500, 509], [9000, 9099]) },
  { name: 'overlapping ranges coalesce', size: 10_000, header: 'bytes=0-499,100-999', expected: ranges([0, 999]) },
  { name: 'adjacent ranges coalesce', size: 10_000, header: 'bytes=0-499,500-999', expected: ranges([0, 999]) },
  { name: 'unsatisfiable member dropped', size: 10_000, header: 'bytes=0-9,20000-30000', expected: ranges([0, 9]) },
  { name: 'suffix and bounded', size: 10_000, header: 'bytes=0-9,-10', expected: ranges([0, 9], [9990, 9999]) },
  { name: 'ranges adding up past the size', size: 10_000, header: 'bytes=0-,0-', expected: full },
  { name: 'overlaps summing past the size', size: 100, header: 'bytes=0-60,40-99', expected: full },
];
