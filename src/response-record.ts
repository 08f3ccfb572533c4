import type { IncomingMessage } from 'node:http';
import type { Decision } from './http/decide.js';
import type { ResolvedSendOptions } from './options.js';
import type { Outlet } from './outlet.js';
import type { ByteRange, ResponseEvent, Source } from './types.js';

/** What one response did, for `onResponse`, reported exactly once when it is over. */
export class ResponseRecord {
  /** The error that cut the response short after its head went out, if any. */
  error: Error | undefined;
  private status = 0;
  private ranges: readonly ByteRange[] = [];
  private expected = 0;
  private reported = false;

  constructor(
    private readonly req: IncomingMessage,
    private readonly source: Source,
    private readonly options: ResolvedSendOptions,
    private readonly startedAt: number,
    private readonly outlet: Outlet,
  ) {}

  decided(decision: Decision): void {
    this.status = decision.status;
    this.ranges = decision.ranges;
    this.expected = decision.length;
  }

  /** The body failed after the head went out. */
  fail(error: unknown): void {
    this.error = error instanceof Error ? error : new Error(String(error));
  }

  /** Nothing was sent; the caller turns the error into a status, so this response is not ours. */
  discard(): void {
    this.reported = true;
  }

  /** Calls `onResponse` (once); exceptions it throws are ignored. */
  report(): void {
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
      bytesWritten: this.outlet.written,
      bytesExpected: this.expected,
      aborted: this.error === undefined && this.outlet.aborted,
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
