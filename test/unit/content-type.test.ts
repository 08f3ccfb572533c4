import { describe, expect, it } from 'vitest';
import { contentTypeFor, withCharset } from '../../src/http/content-type.js';
import { formatContentRange, formatUnsatisfiedRange } from '../../src/range/content-range.js';

describe('contentTypeFor', () => {
  it.each([
    ['song.mp3', 'audio/mpeg'],
    ['clip.MP4', 'video/mp4'],
    ['movie.webm', 'video/webm'],
    ['tone.wav', 'audio/wav'],
    ['track.ogg', 'audio/ogg'],
    ['notes.txt', 'text/plain; charset=utf-8'],
    ['page.html', 'text/html; charset=utf-8'],
    ['data.json', 'application/json; charset=utf-8'],
    ['blob.unknownext', 'application/octet-stream'],
    ['noextension', 'application/octet-stream'],
  ])('%s → %s', (name, type) => {
    expect(contentTypeFor(name)).toBe(type);
  });

  it('keeps an explicit charset', () => {
    expect(withCharset('text/plain; charset=latin1')).toBe('text/plain; charset=latin1');
  });
});

describe('Content-Range', () => {
  it('formats satisfied and unsatisfied ranges', () => {
    expect(formatContentRange({ start: 0, end: 499 }, 1234)).toBe('bytes 0-499/1234');
    expect(formatUnsatisfiedRange(1234)).toBe('bytes */1234');
  });
});
