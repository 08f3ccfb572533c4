import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ResponseEvent } from 'partial-content';

/** One finished media response, as the player page shows it. */
export interface RangeRow {
  /** Increasing per server; also the SSE event id, so a reconnecting page resumes after it. */
  readonly id: number;
  /** The page that caused it (the `view` query parameter of the media URL). */
  readonly view: string;
  readonly file: string;
  readonly method: string;
  readonly status: number;
  /** The request's `Range` header. */
  readonly range: string | null;
  /** The `Content-Range` that was sent (206 and 416), else null. */
  readonly contentRange: string | null;
  /** Total size of the file. */
  readonly size: number | null;
  readonly bytesWritten: number;
  readonly bytesExpected: number;
  readonly aborted: boolean;
  readonly durationMs: number;
}

/** Page ids are made by the server; anything else in `view` is ignored. */
const VIEW_ID = /^[A-Za-z0-9_-]{1,32}$/;
const HEARTBEAT_MS = 20_000;

/**
 * Keeps the last `limit` media responses and pushes each one, as it happens, to the pages that
 * caused it over Server-Sent Events (`event: range`, JSON data).
 */
export class RangeLog {
  private readonly rows: RangeRow[] = [];
  private readonly streams = new Map<string, Set<ServerResponse>>();
  private nextId = 1;

  constructor(
    /** URL prefix the media is mounted at, stripped from file names. */
    private readonly mount: string,
    private readonly limit = 2000,
  ) {}

  /** Records a response event; those without a valid `view` parameter are not kept. */
  add(event: ResponseEvent): RangeRow | undefined {
    const url = new URL(event.url, 'http://player.invalid');
    const view = url.searchParams.get('view');
    if (view === null || !VIEW_ID.test(view) || !url.pathname.startsWith(`${this.mount}/`)) return undefined;
    const row: RangeRow = {
      id: this.nextId++,
      view,
      file: safeDecode(url.pathname.slice(this.mount.length + 1)),
      method: event.method,
      status: event.status,
      range: event.rangeHeader ?? null,
      contentRange: contentRangeOf(event),
      size: event.size ?? null,
      bytesWritten: event.bytesWritten,
      bytesExpected: event.bytesExpected,
      aborted: event.aborted,
      durationMs: Math.round(event.durationMs * 10) / 10,
    };
    this.rows.push(row);
    if (this.rows.length > this.limit) this.rows.splice(0, this.rows.length - this.limit);
    for (const res of this.streams.get(view) ?? []) send(res, row);
    return row;
  }

  /**
   * Answers `GET /events?view=…` with an event stream: the rows that view already caused (after
   * `Last-Event-ID` when the browser reconnects), then each new one.
   */
  stream(req: IncomingMessage, res: ServerResponse, view: string | null): void {
    if (view === null || !VIEW_ID.test(view)) {
      res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' }).end('view must be a page id\n');
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
    });
    res.write('retry: 2000\n\n');
    const after = Number(req.headers['last-event-id'] ?? 0) || 0;
    for (const row of this.rows) if (row.view === view && row.id > after) send(res, row);

    let set = this.streams.get(view);
    if (set === undefined) this.streams.set(view, (set = new Set()));
    set.add(res);
    // Comments keep idle proxies from closing the stream.
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    res.on('close', () => {
      clearInterval(heartbeat);
      set.delete(res);
      if (set.size === 0) this.streams.delete(view);
    });
  }
}

function send(res: ServerResponse, row: RangeRow): void {
  res.write(`id: ${row.id}\nevent: range\ndata: ${JSON.stringify(row)}\n\n`);
}

function contentRangeOf(event: ResponseEvent): string | null {
  if (event.status === 416 && event.size !== undefined) return `bytes */${event.size}`;
  if (event.status !== 206 || event.size === undefined) return null;
  const [first] = event.ranges;
  if (event.ranges.length === 1 && first !== undefined) return `bytes ${first.start}-${first.end}/${event.size}`;
  return `multipart/byteranges (${event.ranges.length} parts)`;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
