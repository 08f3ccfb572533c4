import { describe, expect, it } from 'vitest';
import { planMultipart, randomBoundary } from '../../src/http/multipart.js';
import { parseMultipart } from '../helpers/multipart.js';
import { patterned } from '../helpers/fixtures.js';

/** Materialises a planned body against the given bytes, as the shell would stream it. */
function render(plan: ReturnType<typeof planMultipart>, bytes: Buffer): Buffer {
  return Buffer.concat(plan.segments.map((s) => (s.kind === 'bytes' ? s.data : bytes.subarray(s.range.start, s.range.end + 1))));
}

describe('planMultipart', () => {
  const bytes = patterned(1000);
  const ranges = [{ start: 0, end: 9 }, { start: 500, end: 599 }, { start: 990, end: 999 }];

  it('has an exact length, computed before any byte is read', () => {
    const plan = planMultipart(ranges, 1000, 'audio/mpeg', 'BOUNDARY');
    expect(render(plan, bytes).length).toBe(plan.length);
  });

  it('frames each part with its own Content-Type and Content-Range', () => {
    const plan = planMultipart(ranges, 1000, 'audio/mpeg', 'BOUNDARY');
    expect(plan.contentType).toBe('multipart/byteranges; boundary=BOUNDARY');
    const parts = parseMultipart(render(plan, bytes), plan.contentType);
    expect(parts.map((p) => p.headers)).toEqual(
      ranges.map((r) => ({ 'content-type': 'audio/mpeg', 'content-range': `bytes ${r.start}-${r.end}/1000` })),
    );
    parts.forEach((part, i) => {
      const r = ranges[i]!;
      expect(part.body.equals(bytes.subarray(r.start, r.end + 1))).toBe(true);
    });
  });

  it('lays out the framing exactly (RFC 9110 §14.6 example shape)', () => {
    const plan = planMultipart([{ start: 0, end: 1 }, { start: 4, end: 5 }], 6, 'text/plain', 'B');
    expect(render(plan, Buffer.from('abcdef')).toString()).toBe(
      '--B\r\nContent-Type: text/plain\r\nContent-Range: bytes 0-1/6\r\n\r\nab' +
        '\r\n--B\r\nContent-Type: text/plain\r\nContent-Range: bytes 4-5/6\r\n\r\nef' +
        '\r\n--B--\r\n',
    );
  });

  it('uses random 24-digit boundaries', () => {
    const a = randomBoundary();
    expect(a).toMatch(/^[0-9a-f]{24}$/);
    expect(randomBoundary()).not.toBe(a);
  });
});
