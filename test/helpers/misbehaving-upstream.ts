import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';

/** The size `/slow` announces: far more than any socket buffer, so only an abort ends it early. */
export const SLOW_UPSTREAM_SIZE = 10 * 1024 * 1024;

export interface SeenRequest {
  readonly path: string;
  readonly method: string;
  readonly headers: IncomingHttpHeaders;
}

/**
 * An upstream origin that misbehaves in one way per path (`/500`, `/200`, `/etag-changes`,
 * `/short-chunked`, `/slow` …; `/ok` and `/weak` behave); every request it sees goes into `seen`, and
 * `slowClosed.early` tells whether `/slow`'s response was closed before it finished.
 */
export function misbehavingUpstream(data: Buffer, seen: SeenRequest[], slowClosed: { early: boolean | undefined }) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    seen.push({ path, method: req.method ?? '', headers: req.headers });
    const size = path === '/slow' ? SLOW_UPSTREAM_SIZE : data.length;
    const match = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    const start = Number(match?.[1] ?? 0);
    const end = Number(match?.[2] ?? size - 1);
    const slice = data.subarray(start, end + 1);
    const partial = (etag = '"v1"', contentRange = `bytes ${start}-${end}/${size}`, extra = {}): ServerResponse =>
      res.writeHead(206, { etag, 'content-range': contentRange, 'content-type': 'application/octet-stream', ...extra });

    if (path === '/500' || path === '/404') return void res.writeHead(Number(path.slice(1))).end('nope');
    if (path === '/gzip' && req.method === 'HEAD') {
      return void res.writeHead(200, { 'content-length': String(size), 'content-encoding': 'gzip' }).end();
    }
    const validators = path === '/weak' ? { etag: 'W/"v1"', 'last-modified': 'Wed, 01 May 2024 12:00:00 GMT' } : { etag: '"v1"' };
    if (req.method === 'HEAD') return void res.writeHead(200, { 'content-length': String(size), ...validators }).end();
    switch (path) {
      case '/ok':
        return void partial().end(slice);
      case '/weak':
        return void partial(validators.etag, undefined, validators).end(slice);
      case '/range-500':
        return void res.writeHead(500).end('nope');
      case '/200':
        return void res.writeHead(200, { etag: '"v1"', 'content-length': String(size) }).end(data);
      case '/etag-changes':
        return void partial('"v2"').end(slice);
      case '/wrong-range':
        return void partial('"v1"', `bytes ${start + 1}-${end + 1}/${size}`).end(data.subarray(start + 1, end + 2));
      case '/wrong-size':
        return void partial('"v1"', `bytes ${start}-${end}/${size + 1}`).end(slice);
      case '/short-chunked':
        return void partial().end(slice.subarray(0, slice.length >> 1));
      case '/short-declared':
        partial('"v1"', undefined, { 'content-length': slice.length });
        res.write(slice.subarray(0, slice.length >> 1), () => res.destroy());
        return;
      case '/long':
        return void partial().end(Buffer.concat([slice, Buffer.alloc(100)]));
      case '/second-part-fails':
        return void (start === 0 ? partial().end(slice) : res.writeHead(500).end());
      case '/slow': {
        // One chunk, then a stall: only an abort passed upstream closes this response before the
        // 10 s safety timer does.
        partial('"v1"', undefined, { 'content-length': end - start + 1 });
        res.write(slice.subarray(0, 64 * 1024));
        const timer = setTimeout(() => res.destroy(), 10_000);
        res.on('close', () => {
          clearTimeout(timer);
          slowClosed.early = !res.writableFinished;
        });
        return;
      }
      default:
        return void res.writeHead(404).end();
    }
  };
}
