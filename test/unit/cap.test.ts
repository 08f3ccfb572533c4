import { describe, expect, it } from 'vitest';
import { capRange, type CapInput } from '../../src/range/cap.js';
import type { CapScope } from '../../src/types.js';

const media = (fetchDest?: string, capScope: CapScope = 'media'): CapInput => ({ maxChunkSize: 1000, capScope, fetchDest, request: undefined });
const range = (start: number, end: number) => ({ start, end });

describe('capRange: where a range reaching the end is cut (10,000 bytes, cap 1000)', () => {
  it.each([
    { from: range(0, 9999), to: range(0, 999) },
    { from: range(5000, 9999), to: range(5000, 5999) },
    { from: range(9000, 9999), to: range(9000, 9999) }, // exactly the cap to EOF
    { from: range(9500, 9999), to: range(9500, 9999) }, // EOF before the cap
    { from: range(9999, 9999), to: range(9999, 9999) }, // N = size - 1
  ])('$from.start-$from.end → $to.start-$to.end', ({ from, to }) => {
    expect(capRange(from, true, media('video'))).toEqual({ range: to, varyFetchDest: true });
  });

  it('leaves the range itself when nothing is cut (no copy)', () => {
    const whole = range(9500, 9999);
    expect(capRange(whole, true, media('audio')).range).toBe(whole);
  });

  it('never cuts a range that does not reach the end, and such an answer does not vary', () => {
    expect(capRange(range(0, 9998), false, media('video'))).toEqual({ range: range(0, 9998), varyFetchDest: false });
  });
});

describe('capRange: which requests are capped', () => {
  it.each([
    { name: "'media', Sec-Fetch-Dest: video", input: media('video'), cut: true, vary: true },
    { name: "'media', Sec-Fetch-Dest: audio", input: media('audio'), cut: true, vary: true },
    { name: "'media', Sec-Fetch-Dest: document", input: media('document'), cut: false, vary: true },
    { name: "'media', no Sec-Fetch-Dest (curl -C -)", input: media(undefined), cut: false, vary: true },
    { name: "'all', no Sec-Fetch-Dest", input: media(undefined, 'all'), cut: true, vary: false },
    { name: 'a function that says yes', input: media(undefined, () => true), cut: true, vary: false },
    { name: 'a function that says no', input: media('video', () => false), cut: false, vary: false },
    { name: 'maxChunkSize Infinity', input: { ...media('video'), maxChunkSize: Infinity }, cut: false, vary: false },
  ])('$name → cut $cut, Vary $vary', ({ input, cut, vary }) => {
    const answer = capRange(range(0, 9999), true, input);
    expect(answer.range).toEqual(cut ? range(0, 999) : range(0, 9999));
    expect(answer.varyFetchDest).toBe(vary);
  });

  it('hands the shell’s own request object to a capScope function, unread', () => {
    const request = { kind: 'whatever the shell has' };
    const seen: unknown[] = [];
    capRange(range(0, 9999), true, media(undefined, (req) => (seen.push(req), true)));
    capRange(range(0, 9999), true, { ...media(undefined, (req) => (seen.push(req), true)), request });
    expect(seen).toEqual([undefined, request]);
  });

  it('asks a capScope function only about ranges reaching the end', () => {
    let asked = 0;
    capRange(range(0, 1), false, media(undefined, () => (asked++, true)));
    expect(asked).toBe(0);
  });
});
