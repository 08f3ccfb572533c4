import type { IncomingMessage, ServerResponse } from 'node:http';
import type { OpenOptions } from './types.js';

/** The most bytes handed to one write: an HTTP/2 session refuses much larger ones (ENHANCE_YOUR_CALM). */
export const MAX_WRITE = 64 * 1024;

/** What node:http2's compatibility response says about its stream. */
interface Http2Stream {
  readonly destroyed: boolean;
  readonly closed: boolean;
  readonly rstCode?: number | undefined;
}

/** What a write resolves with when there is nothing to wait for. */
const WRITTEN = Promise.resolve();

type AnyResponse = ServerResponse & { readonly stream?: Http2Stream | undefined };

/**
 * One response's way out, the same on HTTP/1.1 and on node:http2's compatibility API: whether the
 * client is gone, writes of at most {@link MAX_WRITE} bytes that resolve once the transport took
 * them, the signal handed to a source's `open`, and when the response is over.
 *
 * `Http2ServerResponse` has no `destroyed`, and a write to a reset stream only calls back with an
 * error, so the client counts as gone when the response or its HTTP/2 stream is destroyed or closed,
 * when the response closes before finishing, or when a write calls back with an error. A pending
 * write wakes on each of them, never only on a callback that may not come.
 */
export class Outlet implements OpenOptions {
  /** Body bytes handed to the transport. */
  written = 0;
  /** Stops what the body loop waits on (a stalled source) when the client goes away. */
  onGone: (() => void) | undefined;
  /** Resolves when the response finished or closed; never rejects. */
  readonly over: Promise<void>;
  private lost = false;
  private wake: (() => void) | undefined;
  private settle!: () => void;
  private controller: AbortController | undefined;

  constructor(
    private readonly res: AnyResponse,
    private readonly req?: IncomingMessage,
  ) {
    this.over = new Promise<void>((resolve) => {
      this.settle = resolve;
    });
    // The 'error' listener stays after the response is over: a late error on res is swallowed, not thrown.
    res.on('error', this.failed);
    // A pipelined HTTP/1.1 response queued behind another is never closed or destroyed when the
    // connection goes (Node destroys only its request): the request's 'close' says so instead.
    req?.once('close', this.requestClosed);
    if (this.gone || res.writableFinished) {
      process.nextTick(this.settle); // the client left (or the app answered) before we started
      return;
    }
    res.on('close', this.closed);
    res.on('finish', this.settle);
  }

  /** The client went away: nothing written now would arrive. */
  get gone(): boolean {
    if (this.lost || this.res.destroyed) return true;
    const stream = this.res.stream;
    if (stream !== undefined) return stream.destroyed || stream.closed;
    return this.req?.socket?.destroyed === true; // node:http: the connection itself is closed
  }

  /** Whether the response ended short (the client left, a write failed, or its HTTP/2 stream was reset). */
  get aborted(): boolean {
    if (this.lost || !this.res.writableFinished) return true;
    // A reset HTTP/2 stream can report writableFinished: its data still sat in the session's buffers.
    const rstCode = this.res.stream?.rstCode;
    return rstCode !== undefined && rstCode !== 0;
  }

  /** What a source's `open` is told: this consumer is done with each chunk before it pulls the next. */
  readonly reuseBuffers = true;

  /** Aborts when the client goes away; made on first use, since most sources never ask. */
  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    if (this.gone) this.controller.abort();
    return this.controller.signal;
  }

  /**
   * Writes `chunk` in pieces of at most {@link MAX_WRITE} bytes, each after the transport took the one
   * before; resolves once the last was taken (its bytes may then be reused) or the client is gone.
   */
  write(chunk: Uint8Array): Promise<void> {
    // A file chunk is never larger: one piece, one promise (the loop's own promise costs a chunk's garbage).
    return chunk.byteLength <= MAX_WRITE ? this.writePiece(chunk) : this.writePieces(chunk);
  }

  private writePiece(piece: Uint8Array): Promise<void> {
    if (this.gone) return WRITTEN;
    this.written += piece.byteLength;
    const taken = new Promise<void>(this.park);
    this.res.write(piece, this.afterWrite);
    return taken;
  }

  private async writePieces(chunk: Uint8Array): Promise<void> {
    for (let offset = 0; offset < chunk.byteLength && !this.gone; offset += MAX_WRITE) {
      await this.writePiece(chunk.subarray(offset, Math.min(offset + MAX_WRITE, chunk.byteLength)));
    }
  }

  /** Ends the response unless the client is gone. */
  end(): void {
    if (!this.gone) this.res.end();
  }

  /** Cuts the connection: after the head went out, the only honest signal left of a failed body. */
  cut(error: Error): void {
    this.res.destroy(error);
  }

  private readonly park = (resolve: () => void): void => {
    this.wake = resolve;
  };

  private readonly afterWrite = (error?: Error | null): void => {
    if (error !== null && error !== undefined) this.lose();
    this.resume();
  };

  private readonly closed = (): void => {
    this.res.off('finish', this.settle);
    if (!this.res.writableFinished) this.lose();
    this.resume();
    this.settle();
  };

  private readonly requestClosed = (): void => {
    if (this.res.writableFinished) return;
    if (!this.gone) {
      // A request read to its end closes too; and a connection the client half-closed is only
      // ending (writes pending) when Node destroys its requests: look again once it is closed.
      const socket = this.req?.socket;
      socket?.once('close', this.requestClosed);
      void this.over.then(() => socket?.off('close', this.requestClosed));
      return;
    }
    this.lose();
    this.resume();
    this.settle();
  };

  private readonly failed = (): void => {
    this.lose();
    this.resume();
    this.settle();
  };

  private lose(): void {
    if (this.lost) return;
    this.lost = true;
    this.controller?.abort();
    this.onGone?.();
  }

  private resume(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
