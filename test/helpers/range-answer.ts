import { expect } from 'vitest';
import type { RangeExpectation } from '../cases/range-cases.js';
import type { GetResponse } from './http-get.js';
import { parseMultipart } from './multipart.js';

export interface RangeAnswerChecks {
  /** The Content-Type of a 200 or single-range 206, checked when given. */
  readonly type?: string;
  /**
   * How a multipart answer's length is checked; by default its Content-Length must be the body's
   * length (Bun streams multipart chunked, without one: the fetch suite says so per runtime).
   */
  readonly multipartLength?: (res: GetResponse) => void;
}

/**
 * Checks an answer against a row of the shared range table: status, Content-Range, Content-Length and
 * the bytes, compared with `bytes` (the whole representation).
 */
export function expectRangeAnswer(res: GetResponse, expected: RangeExpectation, bytes: Buffer, checks: RangeAnswerChecks = {}): void {
  const { type, multipartLength = (answer: GetResponse) => expect(answer.headers['content-length']).toBe(String(answer.body.length)) } = checks;
  const size = bytes.length;
  switch (expected.kind) {
    case 'full':
      expect([res.status, res.headers['content-range'], res.headers['content-length']]).toEqual([200, undefined, String(size)]);
      if (type !== undefined) expect(res.headers['content-type']).toBe(type);
      expect(res.body.equals(bytes)).toBe(true);
      return;
    case 'unsatisfiable':
      expect([res.status, res.headers['content-range'], res.body.length]).toEqual([416, `bytes */${size}`, 0]);
      return;
    case 'ranges': {
      expect(res.status).toBe(206);
      const [only] = expected.ranges;
      if (expected.ranges.length === 1 && only !== undefined) {
        expect(res.headers['content-range']).toBe(`bytes ${only.start}-${only.end}/${size}`);
        expect(res.headers['content-length']).toBe(String(only.end - only.start + 1));
        if (type !== undefined) expect(res.headers['content-type']).toBe(type);
        expect(res.body.equals(bytes.subarray(only.start, only.end + 1))).toBe(true);
        return;
      }
      multipartLength(res);
      const parts = parseMultipart(res.body, String(res.headers['content-type']));
      expect(parts.map((part) => part.headers['content-range'])).toEqual(expected.ranges.map((r) => `bytes ${r.start}-${r.end}/${size}`));
      expected.ranges.forEach((r, i) => expect(parts[i]?.body.equals(bytes.subarray(r.start, r.end + 1))).toBe(true));
    }
  }
}
