import { expect } from 'vitest';
import { parseMultipart } from '../helpers/multipart.js';
import { multipartLength, oraclePlan, type OracleOptions } from './range-oracle.js';

/** The parts of a response the checks read (both the http-get and the raw-request helpers fit). */
export interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

/** Length of the random multipart boundary (24 hex digits). */
export const BOUNDARY_LENGTH = 24;

/**
 * Checks a GET answer to `header` (as the server saw it) against the oracle, byte for byte:
 * 200 with the whole representation, 416 with `bytes *\/size`, a single-range 206 with its slice, or a
 * multipart 206 whose exact length and parts match. A multi-range plan whose framing would make the
 * body larger than the representation must be a 200. Returns the status.
 */
export function expectRangeAnswer(
  res: Answer,
  bytes: Buffer,
  header: string | undefined,
  options: OracleOptions,
  partType: string,
  label: string,
): number {
  const size = bytes.length;
  const plan = oraclePlan(size, header, options);
  const whole =
    plan.kind === 'ignore' ||
    (plan.kind === 'ranges' && plan.ranges.length > 1 && multipartLength(plan.ranges, size, partType, BOUNDARY_LENGTH) > size);

  expect(res.headers['content-length'], label).toBe(String(res.body.length));
  if (whole) {
    expect([res.status, res.headers['content-range']], label).toEqual([200, undefined]);
    expect(res.body.length, label).toBe(size);
    expect(res.body.equals(bytes), label).toBe(true);
  } else if (plan.kind === 'unsatisfiable') {
    expect([res.status, res.headers['content-range'], res.body.length], label).toEqual([416, `bytes */${size}`, 0]);
  } else if (plan.kind === 'ranges' && plan.ranges.length === 1) {
    const [{ start, end }] = plan.ranges as [{ start: number; end: number }];
    expect([res.status, res.headers['content-range']], label).toEqual([206, `bytes ${start}-${end}/${size}`]);
    expect(res.body.length, label).toBe(end - start + 1);
    expect(res.body.equals(bytes.subarray(start, end + 1)), label).toBe(true);
  } else if (plan.kind === 'ranges') {
    expect(res.status, label).toBe(206);
    // Never larger than the representation, and exactly the framing the grammar gives.
    expect(res.body.length, label).toBeLessThanOrEqual(size);
    expect(res.body.length, label).toBe(multipartLength(plan.ranges, size, partType, BOUNDARY_LENGTH));
    const parts = parseMultipart(res.body, String(res.headers['content-type']));
    expect(parts.map((p) => p.headers['content-range']), label).toEqual(plan.ranges.map((r) => `bytes ${r.start}-${r.end}/${size}`));
    plan.ranges.forEach(({ start, end }, i) => {
      expect(parts[i]?.headers['content-type'], label).toBe(partType);
      expect(parts[i]?.body.equals(bytes.subarray(start, end + 1)), label).toBe(true);
    });
  }
  return res.status;
}
