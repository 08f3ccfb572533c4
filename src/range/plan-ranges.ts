import rangeParser from 'range-parser';
import type { ByteRange } from '../types.js';

/** Why a `Range` header was ignored; the answer is then the whole representation (200). */
export type IgnoredReason =
  | 'absent'
  | 'malformed'
  | 'other-unit'
  | 'empty-representation'
  | 'too-many-ranges'
  | 'exceeds-size';

/** The decision about a `Range` header, before validators and methods are considered. */
export type RangePlan =
  | { readonly kind: 'ignore'; readonly reason: IgnoredReason }
  | { readonly kind: 'unsatisfiable' }
  | {
      readonly kind: 'ranges';
      /** Sorted, disjoint, non-adjacent, each within `0..size-1`. */
      readonly ranges: readonly ByteRange[];
      /**
       * The header was one spec running to the end of the representation: `bytes=N-`, or a closed
       * range whose last position is at or past the end. The open-ended cap (range/cap.ts) applies
       * to this form only.
       */
      readonly reachesEnd: boolean;
    };

export interface RangePlanOptions {
  /** The most specs a header may list before it is ignored. */
  readonly maxRanges: number;
}

type SpecForm = 'bounded' | 'open-ended' | 'suffix';

/**
 * Plans the answer to a `Range` header for a representation of `size` bytes (RFC 9110 §14.1–14.2).
 *
 * - Another unit or bad syntax (including a last position before the first) → ignored: the whole
 *   representation, as RFC 9110 §14.2 allows.
 * - A last position past the end is clamped; a suffix longer than the representation selects all
 *   of it; only a first position at or past the end, or `-0`, is unsatisfiable.
 * - Overlapping and adjacent ranges are coalesced; more than `maxRanges` specs, or specs that add up
 *   to more than the representation, are ignored (amplification defence, cf. CVE-2011-3192).
 * - An empty representation ignores ranges (there is no byte to select).
 * - A single spec reaching the end is marked `reachesEnd`, for the cap (range/cap.ts) to cut.
 */
export function planRanges(size: number, header: string | undefined, options: RangePlanOptions): RangePlan {
  if (header === undefined) return { kind: 'ignore', reason: 'absent' };
  const equals = header.indexOf('=');
  if (equals === -1) return { kind: 'ignore', reason: 'malformed' };
  // Range units are case-insensitive (RFC 9110 §14.1).
  if (header.slice(0, equals).toLowerCase() !== 'bytes') return { kind: 'ignore', reason: 'other-unit' };
  if (size === 0) return { kind: 'ignore', reason: 'empty-representation' };

  const specs = header.slice(equals + 1).split(',');
  if (specs.length > options.maxRanges) return { kind: 'ignore', reason: 'too-many-ranges' };

  const satisfiable: ByteRange[] = [];
  let requested = 0;
  let onlyForm: SpecForm | undefined;
  for (const spec of specs) {
    const resolved = resolveSpec(size, spec);
    if (resolved === 'malformed') return { kind: 'ignore', reason: 'malformed' };
    onlyForm = resolved.form;
    if (resolved.range === undefined) continue;
    satisfiable.push(resolved.range);
    requested += resolved.range.end - resolved.range.start + 1;
  }
  if (satisfiable.length === 0) return { kind: 'unsatisfiable' };
  if (requested > size) return { kind: 'ignore', reason: 'exceeds-size' };

  const ranges = coalesce(satisfiable);
  const first = ranges[0];
  // range-parser clamps a last position past the end to size - 1, so `end === size - 1` means "to the end".
  const reachesEnd = specs.length === 1 && onlyForm !== 'suffix' && first?.end === size - 1;
  return { kind: 'ranges', ranges, reachesEnd };
}

/** Resolves one spec through range-parser, which is given exactly that spec so results stay aligned. */
function resolveSpec(
  size: number,
  spec: string,
): { form: SpecForm; range: ByteRange | undefined } | 'malformed' {
  const trimmed = spec.trim();
  const form: SpecForm = trimmed.startsWith('-') ? 'suffix' : trimmed.endsWith('-') ? 'open-ended' : 'bounded';
  const parsed = rangeParser(size, `bytes=${trimmed}`);
  // range-parser: -2 = malformed, -1 = unsatisfiable; compared as numbers (its enum is ambient).
  if (parsed === -2) return 'malformed';
  if (parsed === -1) {
    // range-parser 1.3.0 rejects a suffix longer than the representation; RFC 9110 §14.1.3 says
    // it selects the whole representation. `-0` stays unsatisfiable.
    if (form === 'suffix' && Number(trimmed.slice(1)) > 0) return { form, range: { start: 0, end: size - 1 } };
    // A last position before the first makes the spec invalid, not unsatisfiable (RFC 9110 §14.1.1).
    if (form === 'bounded') {
      const [first = '', last = ''] = trimmed.split('-');
      // Exactly, as BigInt: past 2^53 two different positions can round to the same Number.
      if (BigInt(last) < BigInt(first)) return 'malformed';
    }
    return { form, range: undefined };
  }
  const range = parsed[0];
  return { form, range: range === undefined ? undefined : { start: range.start, end: range.end } };
}

/** Sorts ranges and merges those that overlap or touch. */
export function coalesce(ranges: readonly ByteRange[]): ByteRange[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const merged: ByteRange[] = [];
  for (const range of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && range.start <= last.end + 1) {
      if (range.end > last.end) merged[merged.length - 1] = { start: last.start, end: range.end };
    } else {
      merged.push(range);
    }
  }
  return merged;
}
