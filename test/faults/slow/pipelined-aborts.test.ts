import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { BIG, READ_AFTER_ABORT_LIMIT, useSparseH2Child } from '../child/sparse-h2-child.js';

/**
 * Pipelined HTTP/1.1: a client sends several requests on one connection (node:http starts every
 * one of them at once, their responses queued behind the first) and leaves 1 MiB into the first
 * body. Every response on that connection must settle as aborted, reading must stop within a few
 * chunks, and no descriptor may stay open — the same promise as for HTTP/2 (h2-aborts.test.ts),
 * measured the same way from outside the server's process.
 */

const h2 = useSparseH2Child('partial-content-pipelined-');

describe('pipelined HTTP/1.1 client leaves mid-body', () => {
  it.each([
    { name: 'file first', first: `/file/${BIG}` },
    { name: 'custom Source first', first: `/custom/${BIG}` },
  ])('$name, then multipart, custom and buffer queued behind it: all settle aborted, reading stops', async ({ first }) => {
    const targets = [
      [first, ''],
      [`/file/${BIG}`, 'Range: bytes=0-99999999,500000000-599999999\r\n'],
      [`/custom/${BIG}`, 'Range: bytes=0-99999999,500000000-599999999\r\n'],
      ['/buffer', ''],
      [`/file/${BIG}`, 'Range: bytes=1000-\r\n'],
    ] as const;
    const settledBefore = h2.child.settled().length;
    const responsesBefore = h2.child.responses().length;
    const warningsBefore = h2.child.warnings().length;
    const cut = await new Promise<{ received: number; rcharAtAbort: number }>((resolve, reject) => {
      const socket = connect(h2.child.httpPort, '127.0.0.1');
      let received = 0;
      let rcharAtAbort = -1;
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`only ${received} bytes in 30 s`));
      }, 30_000);
      socket.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received < 1024 * 1024 || rcharAtAbort !== -1) return;
        rcharAtAbort = h2.child.io().rchar;
        socket.destroy();
      });
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearTimeout(timer);
        resolve({ received, rcharAtAbort });
      });
      socket.write(targets.map(([path, range]) => `GET ${path} HTTP/1.1\r\nHost: x\r\n${range}\r\n`).join(''));
    });
    expect(cut.rcharAtAbort).not.toBe(-1);
    const settled = await h2.child.until(() => h2.child.settled().length - settledBefore >= targets.length, 30_000);
    const closed = await h2.child.until(() => h2.openBig() === 0, 5_000);
    const readAfter = h2.child.io().rchar - cut.rcharAtAbort;
    const events = h2.child.responses().slice(responsesBefore).map((message) => message.event);
    await h2.child.gc();
    console.info(
      `pipelined ${first} + ${targets.length - 1} queued: read after the abort ${readAfter} B; ` +
        `${h2.child.settled().length - settledBefore} of ${targets.length} settled; ${events.filter((e) => e.aborted).length} reported aborted; ` +
        `${h2.openBig()} descriptors of ${BIG} open`,
    );
    expect(settled).toBe(true);
    expect(closed).toBe(true);
    expect(readAfter).toBeLessThanOrEqual(READ_AFTER_ABORT_LIMIT);
    expect(events).toHaveLength(targets.length);
    expect(events.filter((event) => !event.aborted || event.error !== null)).toEqual([]);
    expect(h2.child.warnings().slice(warningsBefore)).toEqual([]);
  });
});
