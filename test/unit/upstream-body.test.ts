import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, expect, it } from 'vitest';
import { exactBody, parseContentRange, rangeCoverage } from '../../src/sources/upstream-body.js';

describe('parseContentRange', () => {
  it.each([
    ['bytes 0-0/10', { start: 0, end: 0, size: 10 }],
    ['bytes 5-9/10', { start: 5, end: 9, size: 10 }],
    [' bytes 5-9/10 ', { start: 5, end: 9, size: 10 }],
    ['bytes */0', { start: undefined, end: undefined, size: 0 }],
    ['bytes */10', { start: undefined, end: undefined, size: 10 }],
    ['bytes 0-0/0', undefined], // s3rver's answer for an empty object: the end is past the size
    ['bytes 9-5/10', undefined],
    ['bytes 0-10/10', undefined],
    ['bytes 0-9/*', undefined],
    ['items 0-9/10', undefined],
    ['bytes 0-9/99999999999999999999', undefined],
    ['', undefined],
    [null, undefined],
    [undefined, undefined],
  ])('%j → %j', (value, expected) => {
    expect(parseContentRange(value)).toEqual(expected);
  });
});

describe('rangeCoverage', () => {
  const range = { start: 0, end: 0 };
  it.each([
    ['the range itself', 'bytes 0-0/100', range, 'exact'],
    ['a longer range from the same start (s3rver, bytes=0-0)', 'bytes 0-99/100', range, 'longer'],
    ['a longer range in the middle', 'bytes 10-50/100', { start: 10, end: 20 }, 'longer'],
    ['a shorter range', 'bytes 10-15/100', { start: 10, end: 20 }, undefined],
    ['another start', 'bytes 0-20/100', { start: 10, end: 20 }, undefined],
    ['another total size', 'bytes 0-0/101', range, undefined],
    ['no range', 'bytes */100', range, undefined],
    ['nothing', null, range, undefined],
  ] as const)('%s', (_name, header, asked, expected) => {
    expect(rangeCoverage(parseContentRange(header), asked, 100)).toBe(expected);
  });
});

/** A body that yields `chunks` and records whether it was destroyed before it ended. */
function upstream(chunks: string[]) {
  const state = { destroyed: false, aborted: false };
  const body = Readable.from(chunks.map((chunk) => Buffer.from(chunk)), { objectMode: false });
  body.on('close', () => (state.destroyed = !body.readableEnded));
  return { body, state, abort: () => (state.aborted = true) };
}

describe('exactBody', () => {
  it('passes on a body of exactly the length, read to its end', async () => {
    const { body, state, abort } = upstream(['abc', 'def']);
    expect(await text(exactBody(body, 6, false, abort))).toBe('abcdef');
    expect(state.destroyed).toBe(false);
  });

  it('a short body is an error (502)', async () => {
    const { body, abort } = upstream(['abc']);
    await expect(text(exactBody(body, 6, false, abort))).rejects.toMatchObject({ status: 502, message: 'Upstream body ended after 3 of 6 bytes' });
  });

  it('a long body is an error unless the upstream announced a longer range', async () => {
    const { body, abort } = upstream(['abc', 'defg']);
    await expect(text(exactBody(body, 6, false, abort))).rejects.toMatchObject({ status: 502, message: 'Upstream sent more than 6 bytes' });
  });

  it.each([
    ['inside a chunk', ['abcdef', 'ghi', 'jkl'], 4],
    ['at a chunk boundary', ['ab', 'cd', 'efgh'], 4],
    ['in the first byte', ['abcdefgh'], 1],
  ])('a longer announced range is read up to the length (%s), and the upstream is aborted', async (_name, chunks, length) => {
    const { body, state, abort } = upstream(chunks);
    expect(await text(exactBody(body, length, true, abort))).toBe(chunks.join('').slice(0, length));
    expect(state.aborted).toBe(true);
  });

  it('a longer announced range that ends short is still an error', async () => {
    const { body, abort } = upstream(['ab']);
    await expect(text(exactBody(body, 4, true, abort))).rejects.toMatchObject({ status: 502 });
  });

  it('destroying the result (the client went away) aborts the upstream and destroys its body', async () => {
    const { state, abort } = upstream([]);
    const endless = new Readable({ read() {} });
    endless.push('abc');
    const result = exactBody(endless, 1000, false, abort);
    await new Promise((resolve) => result.once('data', resolve));
    result.destroy();
    await new Promise((resolve) => setImmediate(resolve));
    expect(state.aborted).toBe(true);
    expect(endless.destroyed).toBe(true);
  });
});
