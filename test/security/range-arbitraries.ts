import fc from 'fast-check';

/**
 * `Range` header values built from the RFC 9110 §14.1 grammar, bent in every way an attacker or a
 * broken client bends it: positions around the representation's edges, 20-digit and past-2^53
 * numbers, leading zeros, whitespace variants, empty elements, junk elements, other units.
 * Every value is a valid HTTP field value (no CR, LF or NUL), so it can also travel over a socket.
 */

const WHITESPACE = fc.constantFrom('', '', '', '', ' ', '\t', '  ', ' \t', '\u00a0');

/** A position as text, chosen relative to `size`. */
function position(size: number): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.integer({ min: 0, max: Math.max(0, Math.min(size + 2, Number.MAX_SAFE_INTEGER)) }).map(String) },
    { weight: 3, arbitrary: fc.constantFrom(0, 1, size - 1, size, size + 1).filter((n) => n >= 0).map(String) },
    { weight: 1, arbitrary: fc.bigInt({ min: 2n ** 53n - 2n, max: 2n ** 53n + 2n }).map(String) },
    { weight: 1, arbitrary: fc.bigInt({ min: 10n ** 19n, max: 10n ** 20n - 1n }).map(String) }, // 20 digits
    { weight: 1, arbitrary: fc.bigInt({ min: 2n ** 63n - 1n, max: 2n ** 64n + 1n }).map(String) }, // int64 edges
    { weight: 1, arbitrary: fc.integer({ min: 0, max: Math.max(0, Math.min(size, 1e6)) }).map((n) => `000${n}`) },
  );
}

const JUNK = fc.string({
  unit: fc.constantFrom(...'0123456789--- =;+.eExX,abc*/é\t\u00a0"'.split('')),
  maxLength: 8,
});

/** One element of the range-set, as it would appear between commas. */
export function element(size: number): fc.Arbitrary<string> {
  const pos = position(size);
  return fc.oneof(
    { weight: 6, arbitrary: fc.tuple(WHITESPACE, pos, WHITESPACE, WHITESPACE, pos, WHITESPACE).map(([a, f, b, c, l, d]) => `${a}${f}${b}-${c}${l}${d}`) },
    { weight: 3, arbitrary: fc.tuple(WHITESPACE, pos, WHITESPACE, WHITESPACE).map(([a, f, b, c]) => `${a}${f}${b}-${c}`) },
    { weight: 3, arbitrary: fc.tuple(WHITESPACE, WHITESPACE, pos, WHITESPACE).map(([a, b, n, c]) => `${a}-${b}${n}${c}`) },
    { weight: 1, arbitrary: fc.constantFrom('', ' ', '-', '--5', '5--', '-5-', '+5-', '5-+7', '0x10-20', '1e3-', '-0', '0-0') },
    { weight: 1, arbitrary: JUNK },
  );
}

const UNIT = fc.constantFrom('bytes', 'bytes', 'bytes', 'bytes', 'bytes', 'BYTES', 'Bytes', 'items', 'byte', 'bytes ', 'none', '');

/** A whole `Range` value; `maxElements` bounds the list so runs stay fast. */
export function rangeHeader(size: number, maxElements = 14): fc.Arbitrary<string> {
  const list = fc.array(element(size), { minLength: 0, maxLength: maxElements });
  const separator = fc.constantFrom(',', ',', ',', ', ', ' ,', ',\t');
  return fc.oneof(
    {
      weight: 12,
      arbitrary: fc
        .tuple(UNIT, fc.constantFrom('=', '=', '=', '=', ''), list, separator)
        .map(([unit, equals, elements, sep]) => `${unit}${equals}${elements.join(sep)}`),
    },
    { weight: 1, arbitrary: JUNK },
  );
}

/** Representation sizes: the edges (0, 1, 2), small files, and sizes past 4 GiB and 2^53 - 1. */
export const representationSize = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(0, 1, 2, 3, 100) },
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 20_000 }) },
  { weight: 1, arbitrary: fc.constantFrom(2 ** 32, 2 ** 32 + 1, 2 ** 40, Number.MAX_SAFE_INTEGER) },
);
