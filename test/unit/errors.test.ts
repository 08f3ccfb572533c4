import { describe, expect, it } from 'vitest';
import { HttpError, toHttpError } from '../../src/errors.js';

/** An error shaped like the ones fs raises. */
function systemError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: failed`), { code });
}

describe('toHttpError', () => {
  it.each([
    ['ENOENT', 404, undefined],
    ['ENOTDIR', 404, undefined],
    ['ENAMETOOLONG', 404, undefined],
    ['EISDIR', 404, undefined],
    ['ELOOP', 404, undefined],
    ['EACCES', 403, undefined],
    ['EPERM', 403, undefined],
    ['EMFILE', 503, '1'],
    ['ENFILE', 503, '1'],
    ['EIO', 500, undefined],
    ['EBADF', 500, undefined],
  ] as const)('%s → %i (Retry-After %s)', (code, status, retryAfter) => {
    const cause = systemError(code);
    const error = toHttpError(cause);
    expect(error).toBeInstanceOf(HttpError);
    expect([error.status, error.statusCode, error.headers?.['Retry-After'], error.code, error.cause]).toEqual([
      status,
      status,
      retryAfter,
      code,
      cause,
    ]);
    // Server errors may describe our internals: Express's final handler must not show them.
    expect(error.expose).toBe(status < 500);
  });

  it.each([
    ['a status in range is kept', Object.assign(new Error('busy'), { status: 503 }), 503, 'busy'],
    ['a 4xx status is kept', Object.assign(new Error('gone'), { status: 410 }), 410, 'gone'],
    ['a status below 400 is not an error status', Object.assign(new Error('odd'), { status: 302 }), 500, 'Internal Server Error'],
    ['a status past 599 is ignored', Object.assign(new Error('odd'), { status: 600 }), 500, 'Internal Server Error'],
    ['a string status is ignored', Object.assign(new Error('odd'), { status: '503' }), 500, 'Internal Server Error'],
    ['a thrown string', 'boom', 500, 'Internal Server Error'],
    ['undefined', undefined, 500, 'Internal Server Error'],
    ['null', null, 500, 'Internal Server Error'],
  ])('%s', (_name, thrown, status, message) => {
    const error = toHttpError(thrown);
    expect([error.status, error.message]).toEqual([status, message]);
  });

  it('returns an HttpError unchanged', () => {
    const original = new HttpError(416, 'Range Not Satisfiable', { headers: { 'Content-Range': 'bytes */10' } });
    expect(toHttpError(original)).toBe(original);
  });
});
