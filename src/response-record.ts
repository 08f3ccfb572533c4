import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Decision } from './http/decide.js';
import type { ResolvedSendOptions } from './options.js';
import type { ByteRange, ResponseEvent, Source } from './types.js';

/** Tracks one response and fires `onResponse` exactly once when it is over. */
export class ResponseRecord {
  private status = 0;
  private ranges: readonly ByteRange[] = [];
  private expected = 0;
  private written = 0;
  private error: Error | undefined;
  private reported = false;
  private readonly done: Promise<void>;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private source: Source,
    private readonly options: ResolvedSendOptions,
    private readonly startedAt: number,
  ) {
    // Settles on finish or on an early close (or an error); never rejects. Three listeners rather than
    // stream.finished(), whose end-of-stream machinery costs ~9 µs a response (bench/RESULTS.md); like
    // it, the 'error' listener stays, so a late error on res is swallowed rather than thrown.
    this.done = new Promise<void>((resolve) => {
      const settle = (): void => {
        res.off('finish', settle);
        res.off('close', settle);
        resolve();
      };
      res.on('error', settle);
      if (res.destroyed || res.writableFinished) {
        process.nextTick(settle); // the client left (or the app answered) before we started
        return;
      }
      res.on('finish', settle);
      res.on('close', settle);
    }).then(() => this.report());
  }

  /** The bytes come from `source` (a file opened after it was described from stat). */
  servedFrom(source: Source): void {
    this.source = source;
  }

  decided(decision: Decision): void {
    this.status = decision.status;
    this.ranges = decision.ranges;
    this.expected = decision.length;
  }

  wrote(bytes: number): void {
    this.written += bytes;
  }

  /** The body failed after the headers went out: the only honest signal left is a cut connection. */
  fail(error: unknown): void {
    this.error = error instanceof Error ? error : new Error(String(error));
    this.res.destroy(this.error);
  }

  /** Nothing was sent; the caller turns the error into a status, so this response is not ours. */
  discard(): void {
    this.reported = true;
  }

  settled(): Promise<void> {
    return this.done;
  }

  private report(): void {
    if (this.reported) return;
    this.reported = true;
    const onResponse = this.options.onResponse;
    if (onResponse === undefined) return;
    const event: ResponseEvent = {
      method: this.req.method ?? 'GET',
      url: (this.req as IncomingMessage & { originalUrl?: string }).originalUrl ?? this.req.url ?? '',
      source: this.source.name,
      status: this.status,
      size: this.source.size,
      ranges: this.ranges,
      rangeHeader: this.req.headers.range,
      bytesWritten: this.written,
      bytesExpected: this.expected,
      aborted: !this.res.writableFinished && this.error === undefined,
      error: this.error,
      durationMs: performance.now() - this.startedAt,
    };
    try {
      onResponse(event);
    } catch {
      // A metrics hook must never break serving.
    }
  }
}
