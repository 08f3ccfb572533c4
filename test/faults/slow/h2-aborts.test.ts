import { constants, type ClientHttp2Session } from 'node:http2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIG, READ_AFTER_ABORT_LIMIT, useSparseH2Child } from '../child/sparse-h2-child.js';
import { connectH2 } from '../../helpers/h2.js';

/**
 * Clients that leave an HTTP/2 response: by RST_STREAM (the stream alone) or by destroying the
 * whole session, mid-body and mid-multipart, for the file source, a buffer and a custom Source.
 * The server runs in a child process; from outside we count its descriptors (/proc/<pid>/fd) and
 * the bytes it reads (/proc/<pid>/io `rchar`, which counts reads of a sparse file's holes too).
 * After an abort, reading must stop within a few chunks, the promise must settle, the descriptor
 * must close at once (never through the garbage collector) and onResponse must say `aborted: true`.
 */

/** Two 100 MB parts, far apart: a multipart body still streaming when its client leaves. */
const MULTIPART = 'bytes=0-99999999,500000000-599999999';

const h2 = useSparseH2Child('partial-content-h2-');

let warningsBefore = 0;
beforeEach(() => {
  warningsBefore = h2.child.warnings().length;
});
afterEach(async () => {
  // A descriptor nobody closed is closed by the garbage collector, with a warning: provoke it now.
  await h2.child.gc();
  expect(h2.child.warnings().slice(warningsBefore)).toEqual([]);
});

interface Cut {
  /** Body bytes the client had when it left (or when the server closed the stream first). */
  readonly received: number;
  /** The child's rchar at the moment the client left; -1 if the stream closed before (refused, say). */
  readonly rcharAtAbort: number;
}

/**
 * Requests `path`, reads `threshold` body bytes, then leaves: `reset` sends RST_STREAM (CANCEL) on
 * this stream only, `session` destroys the whole connection. Resolves once the stream is closed.
 */
function leaveAfter(session: ClientHttp2Session, path: string, range: string | undefined, threshold: number, how: 'reset' | 'session'): Promise<Cut> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path, ...(range === undefined ? {} : { range }) }, { endStream: true });
    let received = 0;
    let rcharAtAbort = -1;
    const timer = setTimeout(() => {
      stream.close(constants.NGHTTP2_CANCEL);
      reject(new Error(`${path}: ${received} bytes, threshold never reached`));
    }, 30_000);
    stream.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received < threshold || rcharAtAbort !== -1) return;
      rcharAtAbort = h2.child.io().rchar;
      if (how === 'reset') stream.close(constants.NGHTTP2_CANCEL);
      else session.destroy();
    });
    stream.on('error', () => undefined); // the session destroy surfaces here
    stream.on('close', () => {
      clearTimeout(timer);
      resolve({ received, rcharAtAbort });
    });
  });
}

describe.each(['reset', 'session'] as const)('HTTP/2 client leaves (%s) 1 MiB into a 1 GiB body', (how) => {
  it.each([
    { name: 'file, whole body', path: `/file/${BIG}`, range: undefined },
    { name: 'file, multipart', path: `/file/${BIG}`, range: MULTIPART },
    { name: 'custom Source, whole body', path: `/custom/${BIG}`, range: undefined },
    { name: 'custom Source, multipart', path: `/custom/${BIG}`, range: MULTIPART },
  ])('$name: reading stops within a few chunks, the promise settles, the descriptor closes', async ({ path, range }) => {
    const session = await connectH2(`https://127.0.0.1:${h2.child.port}`, h2.certificate);
    const settledBefore = h2.child.settled().length;
    const responsesBefore = h2.child.responses().length;
    const started = performance.now();
    const cut = await leaveAfter(session, path, range, 1024 * 1024, how);
    expect(cut.rcharAtAbort).not.toBe(-1); // the server did not close the stream first
    const settled = await h2.child.until(() => h2.child.settled().length > settledBefore, 30_000);
    const settleMs = performance.now() - started;
    const closed = await h2.child.until(() => h2.openBig() === 0, 5_000);
    session.destroy();
    const readAfter = h2.child.io().rchar - cut.rcharAtAbort;
    const event = h2.child.responses()[responsesBefore]?.event;
    console.info(
      `h2 ${how} ${path} ${range ?? ''}: client had ${cut.received} B; read after the abort ${readAfter} B; ` +
        `settled ${settled} (${settleMs.toFixed(0)} ms); descriptor closed ${closed}; ` +
        `onResponse aborted ${event?.aborted} bytesWritten ${event?.bytesWritten}`,
    );
    expect(settled).toBe(true);
    expect(closed).toBe(true);
    expect(readAfter).toBeLessThanOrEqual(READ_AFTER_ABORT_LIMIT);
    expect(event).toMatchObject({ aborted: true, error: null });
    expect(event?.bytesWritten).toBeLessThan(event?.bytesExpected ?? 0);
    expect(event?.bytesWritten).toBeGreaterThanOrEqual(cut.received);
  });

  it('buffer source: the promise settles and onResponse reports the cut', async () => {
    const session = await connectH2(`https://127.0.0.1:${h2.child.port}`, h2.certificate);
    const settledBefore = h2.child.settled().length;
    const responsesBefore = h2.child.responses().length;
    const cut = await leaveAfter(session, '/buffer', undefined, 1024 * 1024, how);
    expect(cut.rcharAtAbort).not.toBe(-1);
    const settled = await h2.child.until(() => h2.child.settled().length > settledBefore, 30_000);
    session.destroy();
    const event = h2.child.responses()[responsesBefore]?.event;
    console.info(`h2 ${how} /buffer: client had ${cut.received} B; settled ${settled}; onResponse aborted ${event?.aborted} bytesWritten ${event?.bytesWritten} of ${event?.bytesExpected}`);
    expect(settled).toBe(true);
    expect(event).toMatchObject({ aborted: true, error: null });
    expect(event?.bytesWritten).toBeLessThan(event?.bytesExpected ?? 0);
  });
});

describe('many aborts on one HTTP/2 session', () => {
  // The sources that hold a descriptor (the buffer's resets are above; ten of its 32 MiB bodies at
  // once would measure the session's memory limit, not descriptors).
  it('100 resets, half of them multipart, over file and custom sources: all settle, no descriptor left', async () => {
    const session = await connectH2(`https://127.0.0.1:${h2.child.port}`, h2.certificate);
    const before = h2.child.descriptors().length;
    const settledBefore = h2.child.settled().length;
    const responsesBefore = h2.child.responses().length;
    const paths = [`/file/${BIG}`, `/custom/${BIG}`];
    let state = 20_261_129;
    const random = (): number => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
    const WAVE = 10;
    const TOTAL = 100;
    const cuts: Cut[] = [];
    for (let wave = 0; wave < TOTAL / WAVE; wave++) {
      const done = await Promise.all(
        Array.from({ length: WAVE }, (_, i) => {
          const n = wave * WAVE + i;
          const threshold = 1 + Math.floor(random() * 512 * 1024);
          return leaveAfter(session, paths[n % paths.length]!, n % 2 === 0 ? MULTIPART : undefined, threshold, 'reset');
        }),
      );
      cuts.push(...done);
    }
    const refused = cuts.filter((cut) => cut.rcharAtAbort === -1).length;
    const allSettled = await h2.child.until(() => h2.child.settled().length - settledBefore >= TOTAL, 30_000);
    await h2.child.until(() => h2.openBig() === 0, 5_000);
    const settledCount = h2.child.settled().length - settledBefore;
    const events = h2.child.responses().slice(responsesBefore).map((message) => message.event);
    const leftOpen = h2.openBig();
    const after = h2.child.descriptors().length;
    session.destroy();
    console.info(
      `h2 ${TOTAL} resets on one session: ${refused} streams closed by the server first; ${settledCount} settled; ${events.filter((e) => e.aborted).length} reported aborted ` +
        `of ${events.length} reported; ${leftOpen} descriptors of ${BIG} left open; descriptors before ${before}, after ${after}`,
    );
    expect(refused).toBe(0);
    expect(allSettled).toBe(true);
    expect(settledCount).toBe(TOTAL);
    expect(events).toHaveLength(TOTAL);
    expect(events.filter((event) => !event.aborted || event.error !== null)).toEqual([]);
    expect(leftOpen).toBe(0);
    expect(after).toBeLessThanOrEqual(before);
  });

  it('a session destroyed with 30 responses in flight (file, custom, buffer; single and multipart): all settle', async () => {
    const session = await connectH2(`https://127.0.0.1:${h2.child.port}`, h2.certificate);
    const settledBefore = h2.child.settled().length;
    const responsesBefore = h2.child.responses().length;
    const paths = [`/file/${BIG}`, `/custom/${BIG}`, '/buffer'];
    const TOTAL = 30;
    const streams = Array.from({ length: TOTAL }, (_, n) => {
      const stream = session.request({ ':path': paths[n % paths.length]!, ...(n % 2 === 0 ? { range: MULTIPART } : {}) }, { endStream: true });
      stream.on('error', () => undefined);
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 20_000);
        stream.once('data', () => resolve(true));
        stream.once('close', () => resolve(false));
        stream.once('data', () => clearTimeout(timer));
      });
    });
    const started = await Promise.all(streams);
    session.destroy();
    expect(started.filter((ok) => !ok)).toEqual([]); // every response had started its body
    const allSettled = await h2.child.until(() => h2.child.settled().length - settledBefore >= TOTAL, 30_000);
    await h2.child.until(() => h2.openBig() === 0, 5_000);
    const events = h2.child.responses().slice(responsesBefore).map((message) => message.event);
    console.info(`h2 session destroyed under ${TOTAL} responses: ${h2.child.settled().length - settledBefore} settled, ${events.filter((e) => e.aborted).length} reported aborted, ${h2.openBig()} descriptors of ${BIG} left`);
    expect(allSettled).toBe(true);
    expect(events).toHaveLength(TOTAL);
    expect(events.filter((event) => !event.aborted)).toEqual([]);
    expect(h2.openBig()).toBe(0);
  });
});
