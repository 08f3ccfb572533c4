/**
 * An independent oracle for the answer to a `Range` header, written from RFC 9110 rather than from
 * the library (it does not use range-parser, and it computes positions with BigInt so no number is
 * ever rounded). Where the RFC leaves the server a choice, the oracle makes the choice the library
 * documents; each such choice is marked POLICY.
 *
 * RFC 9110 §14.1.1–14.1.2:
 *   ranges-specifier = range-unit "=" range-set
 *   range-set        = 1#range-spec
 *   range-spec       = int-range / suffix-range / other-range
 *   int-range        = first-pos "-" [ last-pos ]        ; invalid if last-pos < first-pos
 *   suffix-range     = "-" suffix-length
 * An int-range is satisfiable when first-pos < length; a suffix-range when suffix-length > 0. A
 * last-pos at or past the end, or a suffix longer than the representation, is limited to it.
 * §14.2: a server MAY ignore Range (answer the whole representation), MUST ignore an unknown unit,
 * and MAY ignore or reject an invalid ranges-specifier or too many / overlapping ranges.
 */

/** An inclusive byte range. */
export interface OracleRange {
  readonly start: number;
  readonly end: number;
}

export type OraclePlan =
  | { readonly kind: 'ignore' }
  | { readonly kind: 'unsatisfiable' }
  | { readonly kind: 'ranges'; readonly ranges: readonly OracleRange[]; readonly reachesEnd: boolean; readonly capped: boolean };

export interface OracleOptions {
  readonly maxRanges: number;
  readonly maxChunkSize: number;
  readonly capOpenEnded: boolean;
}

type Spec = { readonly first: bigint; readonly last: bigint | undefined } | { readonly suffix: bigint };

// RECOVERY (RFC 9110 §2.2 lets a recipient recover a usable element from an invalid construct):
// whitespace around a spec and around its '-' is tolerated. "Whitespace" is ECMAScript's set (\s).
const INT_RANGE = /^\s*(\d+)\s*-\s*(\d*)\s*$/;
const SUFFIX_RANGE = /^\s*-\s*(\d+)\s*$/;

export function oraclePlan(size: number, header: string | undefined, options: OracleOptions): OraclePlan {
  const ignore = { kind: 'ignore' } as const;
  if (header === undefined) return ignore;
  const equals = header.indexOf('=');
  if (equals === -1) return ignore; // not a ranges-specifier
  // Range units are compared case-insensitively (§14.1); a unit we do not know MUST be ignored.
  if (header.slice(0, equals).toLowerCase() !== 'bytes') return ignore;
  // POLICY: an empty representation has no byte to select; Range is ignored (a 200 with no body).
  if (size === 0) return ignore;

  const elements = header.slice(equals + 1).split(',');
  // POLICY (amplification, §14.2 "too many ranges"): more than maxRanges elements → ignored.
  if (elements.length > options.maxRanges) return ignore;

  const specs: Spec[] = [];
  for (const element of elements) {
    const suffix = SUFFIX_RANGE.exec(element);
    if (suffix?.[1] !== undefined) {
      specs.push({ suffix: BigInt(suffix[1]) });
      continue;
    }
    const int = INT_RANGE.exec(element);
    // POLICY: anything else — other-range, an empty list element, junk — makes the specifier
    // invalid, and an invalid specifier is ignored (§14.2 allows ignoring Range altogether).
    if (int?.[1] === undefined || int[2] === undefined) return ignore;
    const first = BigInt(int[1]);
    const last = int[2] === '' ? undefined : BigInt(int[2]);
    // §14.1.1: last-pos < first-pos is invalid → POLICY: ignored like any invalid specifier.
    if (last !== undefined && last < first) return ignore;
    specs.push({ first, last });
  }

  const length = BigInt(size);
  const selected: Array<{ start: bigint; end: bigint }> = [];
  for (const spec of specs) {
    if ('suffix' in spec) {
      if (spec.suffix === 0n) continue; // unsatisfiable
      selected.push({ start: spec.suffix >= length ? 0n : length - spec.suffix, end: length - 1n });
    } else {
      if (spec.first >= length) continue; // unsatisfiable
      const end = spec.last === undefined || spec.last >= length ? length - 1n : spec.last;
      selected.push({ start: spec.first, end });
    }
  }
  // §15.5.17: none satisfiable → 416.
  if (selected.length === 0) return { kind: 'unsatisfiable' };
  // POLICY (amplification): ranges that add up to more than the representation → ignored.
  const total = selected.reduce((sum, r) => sum + (r.end - r.start + 1n), 0n);
  if (total > length) return ignore;

  // POLICY: overlapping and adjacent ranges are merged, in ascending order (§14.2 permits it).
  selected.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const merged: Array<{ start: bigint; end: bigint }> = [];
  for (const r of selected) {
    const last = merged[merged.length - 1];
    if (last !== undefined && r.start <= last.end + 1n) {
      if (r.end > last.end) last.end = r.end;
    } else {
      merged.push({ ...r });
    }
  }

  const only = specs.length === 1 ? specs[0] : undefined;
  // POLICY: the cap's form is one spec running to the end, `N-` or `N-M` with M ≥ size - 1 (the form
  // Chromium's cache rewrites a media element's `N-` into); never a suffix.
  const reachesEnd =
    only !== undefined && 'first' in only && (only.last === undefined || only.last >= BigInt(size) - 1n);
  let ranges = merged.map((r) => ({ start: Number(r.start), end: Number(r.end) }));
  let capped = false;
  const firstRange = ranges[0];
  // §15.3.7 lets a server send less than asked: POLICY caps such a request at maxChunkSize.
  if (reachesEnd && options.capOpenEnded && firstRange !== undefined && options.maxChunkSize !== Infinity) {
    const cappedEnd = firstRange.start + options.maxChunkSize - 1;
    if (cappedEnd < firstRange.end) {
      ranges = [{ start: firstRange.start, end: cappedEnd }];
      capped = true;
    }
  }
  return { kind: 'ranges', ranges, reachesEnd, capped };
}

/**
 * The exact length of a multipart/byteranges body (RFC 9110 §14.6, RFC 2046 §5.1.1) whose parts carry
 * `Content-Type` and `Content-Range`, written out from the grammar: the first delimiter has no
 * leading CRLF, every later one does, and the close delimiter is followed by CRLF.
 */
export function multipartLength(ranges: readonly OracleRange[], size: number, partType: string, boundaryLength: number): number {
  let length = 0;
  ranges.forEach((r, i) => {
    const delimiter = `${i === 0 ? '' : '\r\n'}--${'x'.repeat(boundaryLength)}\r\n`;
    const headers = `Content-Type: ${partType}\r\nContent-Range: bytes ${r.start}-${r.end}/${size}\r\n\r\n`;
    length += Buffer.byteLength(delimiter + headers, 'latin1') + (r.end - r.start + 1);
  });
  return length + Buffer.byteLength(`\r\n--${'x'.repeat(boundaryLength)}--\r\n`, 'latin1');
}
