import { describe, expect, it } from 'vitest';
import { formatContentRange, formatUnsatisfiedRange } from '../../src/range/content-range.js';

describe('Content-Range values (RFC 9110 §14.4)', () => {
  it.each([
    [{ start: 0, end: 0 }, 1, 'bytes 0-0/1'],
    [{ start: 0, end: 499 }, 1234, 'bytes 0-499/1234'],
    [{ start: 1233, end: 1233 }, 1234, 'bytes 1233-1233/1234'],
    // Past 2^32 and up to 2^53 - 1: plain decimal digits, never exponent notation.
    [{ start: 4_294_967_296, end: 5_368_709_119 }, 5_368_709_120, 'bytes 4294967296-5368709119/5368709120'],
    [{ start: 0, end: Number.MAX_SAFE_INTEGER - 1 }, Number.MAX_SAFE_INTEGER, 'bytes 0-9007199254740990/9007199254740991'],
  ])('%o of %i → %s', (range, size, expected) => {
    expect(formatContentRange(range, size)).toBe(expected);
  });

  it.each([
    [0, 'bytes */0'],
    [1234, 'bytes */1234'],
    [Number.MAX_SAFE_INTEGER, 'bytes */9007199254740991'],
  ])('unsatisfied range of %i → %s', (size, expected) => {
    expect(formatUnsatisfiedRange(size)).toBe(expected);
  });
});
