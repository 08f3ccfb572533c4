import ms from 'ms';
import type { CapScope, EtagFunction, PartialContentOptions, ResponseEvent, SendRangeOptions, SetHeadersFunction } from './types.js';

/** 2 MiB: the default answer size for a capped open-ended range. */
export const DEFAULT_MAX_CHUNK_SIZE = 2 * 1024 * 1024;
/** Default limit of ranges in one header; Apache's MaxRanges is 200, a PDF viewer asks for a handful. */
export const DEFAULT_MAX_RANGES = 100;
const ONE_YEAR_MS = 365 * 24 * 60 * 60 * 1000;

/** {@link SendRangeOptions} with defaults applied and values checked; read-only. */
export interface ResolvedSendOptions {
  readonly acceptRanges: boolean;
  /** The `Cache-Control` value to send, or `undefined` to leave it to the app. */
  readonly cacheControl: string | undefined;
  readonly etag: boolean | 'content' | EtagFunction;
  readonly lastModified: boolean;
  readonly setHeaders: SetHeadersFunction | undefined;
  readonly maxChunkSize: number;
  readonly capScope: CapScope;
  readonly maxRanges: number;
  readonly onResponse: ((event: ResponseEvent) => void) | undefined;
}

/** {@link PartialContentOptions} with defaults applied and values checked; read-only. */
export interface ResolvedMiddlewareOptions extends ResolvedSendOptions {
  readonly dotfiles: 'ignore' | 'deny' | 'allow';
  readonly fallthrough: boolean;
}

const SEND_KEYS = [
  'acceptRanges', 'cacheControl', 'maxAge', 'immutable', 'etag', 'lastModified', 'setHeaders',
  'maxChunkSize', 'capScope', 'maxRanges', 'onResponse',
] as const;
const MIDDLEWARE_KEYS = [...SEND_KEYS, 'dotfiles', 'fallthrough'] as const;

/** Checks and completes `sendRange` options; throws a `TypeError` naming the first bad option. */
export function normalizeSendOptions(options: SendRangeOptions = {}): ResolvedSendOptions {
  checkObject(options, SEND_KEYS);
  return Object.freeze(resolveSend(options));
}

/** Checks and completes `partialContent` options; throws a `TypeError` naming the first bad option. */
export function normalizeMiddlewareOptions(options: PartialContentOptions = {}): ResolvedMiddlewareOptions {
  checkObject(options, MIDDLEWARE_KEYS);
  const dotfiles = options.dotfiles ?? 'ignore';
  if (dotfiles !== 'ignore' && dotfiles !== 'deny' && dotfiles !== 'allow') {
    throw new TypeError(`dotfiles must be 'ignore', 'deny' or 'allow', got ${describe(dotfiles)}`);
  }
  return Object.freeze({ ...resolveSend(options), dotfiles, fallthrough: bool(options, 'fallthrough', true) });
}

function resolveSend(options: SendRangeOptions): ResolvedSendOptions {
  const cacheControl = bool(options, 'cacheControl', true);
  const maxAge = parseMaxAge(options.maxAge ?? 0);
  const immutable = bool(options, 'immutable', false);
  const etag = options.etag ?? true;
  if (typeof etag !== 'boolean' && etag !== 'content' && typeof etag !== 'function') {
    throw new TypeError(`etag must be a boolean, 'content' or a function, got ${describe(etag)}`);
  }
  const maxChunkSize = options.maxChunkSize ?? DEFAULT_MAX_CHUNK_SIZE;
  if (!(maxChunkSize === Infinity || (Number.isSafeInteger(maxChunkSize) && maxChunkSize > 0))) {
    throw new TypeError(`maxChunkSize must be a positive integer or Infinity, got ${describe(maxChunkSize)}`);
  }
  const capScope = options.capScope ?? 'media';
  if (capScope !== 'media' && capScope !== 'all' && typeof capScope !== 'function') {
    throw new TypeError(`capScope must be 'media', 'all' or a function, got ${describe(capScope)}`);
  }
  const maxRanges = options.maxRanges ?? DEFAULT_MAX_RANGES;
  if (!Number.isSafeInteger(maxRanges) || maxRanges < 1) {
    throw new TypeError(`maxRanges must be a positive integer, got ${describe(maxRanges)}`);
  }
  return {
    acceptRanges: bool(options, 'acceptRanges', true),
    cacheControl: cacheControl ? `public, max-age=${Math.floor(maxAge / 1000)}${immutable ? ', immutable' : ''}` : undefined,
    etag,
    lastModified: bool(options, 'lastModified', true),
    setHeaders: fn(options, 'setHeaders'),
    maxChunkSize,
    capScope,
    maxRanges,
    onResponse: fn(options, 'onResponse'),
  };
}

/**
 * `maxAge` in milliseconds from a number or a string such as `'7d'`, `'2 weeks'` or `'1.5h'`; capped at
 * one year, as in send. Strings are read by the `ms` package, as serve-static (through send) reads them,
 * so every value it accepts means the same here. Unlike send, which quietly treats a negative or
 * unreadable value as 0, those throw.
 */
export function parseMaxAge(value: unknown): number {
  const milliseconds = typeof value === 'string' ? parseDuration(value) : value;
  if (typeof milliseconds !== 'number' || !Number.isFinite(milliseconds) || milliseconds < 0) {
    throw new TypeError(`maxAge must be milliseconds or a string such as '7d' or '2 weeks', got ${describe(value)}`);
  }
  return Math.min(milliseconds, ONE_YEAR_MS);
}

/** `ms`'s reading of a string; it returns `undefined` for what it cannot read and throws for `''`. */
function parseDuration(value: string): number | undefined {
  try {
    return ms(value as ms.StringValue) as number | undefined;
  } catch {
    return undefined;
  }
}

function checkObject(options: object, known: readonly string[]): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`options must be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    if ((MIDDLEWARE_KEYS as readonly string[]).includes(key)) {
      throw new TypeError(`${key} is an option of partialContent (the middleware) only: sendRange serves the source it is given`);
    }
    throw new TypeError(`${key} is not an option of partial-content`);
  }
}

function bool<K extends string>(options: Partial<Record<K, unknown>>, key: K, fallback: boolean): boolean {
  const value = options[key] ?? fallback;
  if (typeof value !== 'boolean') throw new TypeError(`${key} must be a boolean, got ${describe(value)}`);
  return value;
}

function fn<K extends string, F>(options: Partial<Record<K, unknown>>, key: K): F | undefined {
  const value = options[key];
  if (value !== undefined && typeof value !== 'function') {
    throw new TypeError(`${key} must be a function, got ${describe(value)}`);
  }
  return value as F | undefined;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : typeof value === 'object' ? JSON.stringify(value) ?? String(value) : String(value);
}
