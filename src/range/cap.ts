import type { CapScope } from '../types.js';
import type { ByteRange } from '../types.js';

/** What the cap needs to know about one request. */
export interface CapInput {
  /** Longest answer to a capped range; `Infinity` switches the cap off. */
  readonly maxChunkSize: number;
  readonly capScope: CapScope;
  /** The request's `Sec-Fetch-Dest`, which `'media'` reads. */
  readonly fetchDest: string | undefined;
  /**
   * The shell's own request object (Node's `IncomingMessage`, Express's `Request`, a fetch `Request`),
   * handed unread to a `capScope` function, so the decision depends on no transport.
   */
  readonly request: unknown;
}

/** The answer to a range after the cap. */
export interface CappedRange {
  readonly range: ByteRange;
  /** The answer depended on `Sec-Fetch-Dest`: a shared cache must key it on that header. */
  readonly varyFetchDest: boolean;
}

/**
 * The open-ended cap, all of it: which requests are capped, where the range is cut, and the `Vary`
 * that keeps a shared cache from handing a media element's short answer to a download client.
 *
 * Only a single range reaching the end of the representation (`bytes=N-`, or `bytes=N-M` with M at or
 * past the last byte — Chromium's cache rewrites a media element's `bytes=N-` into that) is capped, to
 * `maxChunkSize` bytes from N. Suffixes and ranges ending earlier are answered as asked — unlike
 * @fastify/send's `maxContentRangeChunkSize`, which trims every range.
 *
 * Scopes: `'media'` caps `Sec-Fetch-Dest: audio | video` (media elements ask again for the rest) and
 * makes such answers vary by that header; `'all'` caps every such range; a function decides per request.
 */
export function capRange(range: ByteRange, reachesEnd: boolean, input: CapInput): CappedRange {
  const { maxChunkSize, capScope } = input;
  if (!reachesEnd || maxChunkSize === Infinity) return { range, varyFetchDest: false };
  const applies =
    capScope === 'all' ||
    (capScope === 'media' ? input.fetchDest === 'audio' || input.fetchDest === 'video' : capScope(input.request as never) === true);
  const varyFetchDest = capScope === 'media';
  const cappedEnd = range.start + maxChunkSize - 1;
  if (!applies || cappedEnd >= range.end) return { range, varyFetchDest };
  return { range: { start: range.start, end: cappedEnd }, varyFetchDest };
}
