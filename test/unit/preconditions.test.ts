import { describe, expect, it } from 'vitest';
import { evaluatePreconditions, ifRangeAllows } from '../../src/http/preconditions.js';
import { materialize, PRECONDITION_CASES } from '../cases/precondition-cases.js';

const ETAG = '"5f-1a2b3c"';
const LAST_MODIFIED = new Date('2024-03-01T12:00:00.000Z');
const validators = { etag: ETAG, lastModified: LAST_MODIFIED.getTime() + 250 }; // sub-second part is dropped
const NOW = LAST_MODIFIED.getTime() + 86_400_000;

describe('evaluatePreconditions: RFC 9110 §13.2.2 table', () => {
  it.each(PRECONDITION_CASES)('$name → $expected', ({ request, expected }) => {
    expect(evaluatePreconditions(materialize(request, ETAG, LAST_MODIFIED), validators)).toBe(expected);
  });
});

describe('evaluatePreconditions without validators', () => {
  it('If-Match with a tag fails when there is no ETag, * still passes', () => {
    const none = { etag: undefined, lastModified: undefined };
    expect(evaluatePreconditions({ 'if-match': ETAG }, none)).toBe('precondition-failed');
    expect(evaluatePreconditions({ 'if-match': '*' }, none)).toBe('proceed');
  });

  it('date preconditions are ignored without Last-Modified', () => {
    const none = { etag: ETAG, lastModified: undefined };
    expect(evaluatePreconditions({ 'if-modified-since': LAST_MODIFIED.toUTCString() }, none)).toBe('proceed');
    expect(evaluatePreconditions({ 'if-unmodified-since': 'Sat, 01 Jan 2000 00:00:00 GMT' }, none)).toBe('proceed');
  });
});

describe('ifRangeAllows (RFC 9110 §13.1.5)', () => {
  it.each([
    { name: 'absent', value: undefined, allows: true },
    { name: 'current strong tag', value: ETAG, allows: true },
    { name: 'weak form of the current tag', value: `W/${ETAG}`, allows: false },
    { name: 'stale tag', value: '"old"', allows: false },
    { name: 'a tag that merely contains the current one (send #111)', value: `"x${ETAG.slice(1)}`, allows: false },
    { name: 'exact Last-Modified date', value: LAST_MODIFIED.toUTCString(), allows: true },
    { name: 'older date', value: new Date(LAST_MODIFIED.getTime() - 1000).toUTCString(), allows: false },
    { name: 'newer date (send accepts ≤, we need equality)', value: new Date(LAST_MODIFIED.getTime() + 1000).toUTCString(), allows: false },
    { name: 'garbage', value: 'yesterday', allows: false },
  ])('$name → $allows', ({ value, allows }) => {
    expect(ifRangeAllows(value, validators, NOW)).toBe(allows);
  });

  it('a strong If-Range never matches a weak current tag', () => {
    expect(ifRangeAllows('W/"a"', { etag: 'W/"a"', lastModified: undefined }, NOW)).toBe(false);
    expect(ifRangeAllows('"a"', { etag: 'W/"a"', lastModified: undefined }, NOW)).toBe(false);
  });

  it('a date matches only when Last-Modified is at least a second old (§8.8.2.2)', () => {
    const fresh = LAST_MODIFIED.getTime() + 250;
    expect(ifRangeAllows(LAST_MODIFIED.toUTCString(), validators, fresh + 500)).toBe(false);
    expect(ifRangeAllows(LAST_MODIFIED.toUTCString(), validators, fresh + 1000)).toBe(true);
  });

  it('a date is no match when there is no Last-Modified', () => {
    expect(ifRangeAllows(LAST_MODIFIED.toUTCString(), { etag: ETAG, lastModified: undefined }, NOW)).toBe(false);
  });
});
