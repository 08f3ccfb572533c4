import type { Stats } from 'node:fs';
import type { PartialContentOptions, ResponseEvent, SendRangeOptions, SourceInput } from '../types.js';

/** What `rangeResponse` serves: everything `sendRange` takes, and a `Blob` or `File`. */
export type FetchSourceInput = SourceInput | Blob;

/** Which requests get the open-ended cap (see {@link SendRangeOptions.maxChunkSize}). */
export type FetchCapScope = 'media' | 'all' | ((request: Request) => boolean);

/**
 * Sets headers before the answer is decided; what it sets wins over ours (`Cache-Control`, `ETag`,
 * `Last-Modified`, `Content-Type`, `Content-Disposition`) and other fields pass through.
 */
export type FetchSetHeadersFunction = (headers: Headers, path: string, stats: Stats | undefined) => void;

/**
 * Options of `rangeResponse`: the same as {@link SendRangeOptions}, with `setHeaders` and a
 * `capScope` function taking fetch-API objects.
 */
export interface RangeResponseOptions extends Omit<SendRangeOptions, 'setHeaders' | 'capScope' | 'onResponse'> {
  /** @see SendRangeOptions.capScope */
  capScope?: FetchCapScope;
  /** Called with a `Headers` to fill, the source's name and (for files) its stats. */
  setHeaders?: FetchSetHeadersFunction;
  /**
   * Called exactly once per response, after its body ended, failed or was abandoned by the client
   * (`url` is the request's full URL).
   */
  onResponse?: (event: ResponseEvent) => void;
}

/**
 * Options of `serveFiles`: those of `rangeResponse`, plus the middleware's path handling.
 */
export interface ServeFilesOptions extends RangeResponseOptions, Pick<PartialContentOptions, 'dotfiles'> {
  /**
   * When `true`, what `serveFiles` does not serve (missing, a directory, a rejected path, another
   * method) resolves `undefined`, so the app goes on to its own handlers. When `false` it is
   * answered: 404, 403 or 400, and 405 with `Allow: GET, HEAD`.
   * @default true
   */
  fallthrough?: boolean;
}

