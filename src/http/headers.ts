import { formatHttpDate } from './validators.js';

/** A header value as it is written: one string, or a list for a field sent several times (`Set-Cookie`). */
export type HeaderValue = string | readonly string[];
/** The complete header fields of an answer, names as they are written. */
export type HeaderRecord = Record<string, HeaderValue>;
/** The headers the app set before the answer (as `res.getHeader` returns them), names as the app spelt them. */
export type AppHeaders = Readonly<Record<string, string | number | readonly string[]>>;

/** The app's fields that take part in the answer: they win over ours (`setHeaders` sets them too). */
export interface AppFields {
  readonly contentType: string | undefined;
  readonly etag: string | undefined;
  readonly lastModified: string | undefined;
  readonly cacheControl: string | undefined;
  readonly vary: string | undefined;
}

const NO_APP_FIELDS: AppFields = Object.freeze({
  contentType: undefined, etag: undefined, lastModified: undefined, cacheControl: undefined, vary: undefined,
});

/** Finds the app's fields that take part in the answer (names compared case-insensitively). */
export function readAppFields(app: AppHeaders): AppFields {
  let found: { -readonly [K in keyof AppFields]: AppFields[K] } | undefined;
  for (const name in app) {
    const key = FIELD_KEYS[name.toLowerCase()];
    if (key === undefined) continue;
    found ??= { contentType: undefined, etag: undefined, lastModified: undefined, cacheControl: undefined, vary: undefined };
    found[key] = joined(app[name]);
  }
  return found ?? NO_APP_FIELDS;
}

const FIELD_KEYS: Readonly<Record<string, keyof AppFields | undefined>> = {
  'content-type': 'contentType', etag: 'etag', 'last-modified': 'lastModified', 'cache-control': 'cacheControl', vary: 'vary',
};

/** The representation as the answer describes it: the app's fields where it set them, else ours. */
export interface Representation {
  readonly size: number;
  /** Full `Content-Type` value, charset included. */
  readonly contentType: string;
  readonly etag: string | undefined;
  /** Milliseconds since the epoch, for preconditions. */
  readonly lastModified: number | undefined;
  /** The `Last-Modified` value when the app set one (kept as written); else formatted from `lastModified`. */
  readonly lastModifiedField: string | undefined;
  readonly cacheControl: string | undefined;
  readonly acceptRanges: boolean;
}

/** What the headers say about the body: its type, length and (one range) `Content-Range`. */
export type HeaderAnswer =
  | { readonly status: 200 }
  | { readonly status: 206; readonly contentType: string; readonly length: number; readonly contentRange: string | undefined; readonly varyFetchDest: boolean }
  | { readonly status: 304 | 412 | 416 };

/**
 * The final header fields of an answer: the app's fields merged with ours. This is the one place
 * that says which fields each status carries:
 *
 * | field                         | 200 | 206 | 304            | 412 | 416           |
 * |-------------------------------|-----|-----|----------------|-----|---------------|
 * | ETag, Cache-Control           | ✓   | ✓   | ✓              |     | ✓             |
 * | Last-Modified                 | ✓   | ✓   | only if no ETag|     | ✓             |
 * | Accept-Ranges                 | ✓   | ✓   |                |     | ✓             |
 * | Content-Type, Content-Length  | ✓   | ✓   |                | 0   | length 0      |
 * | Content-Range                 |     | one range |          |     | `bytes *\/size`|
 * | Vary                          | app | app + Sec-Fetch-Dest when the cap could apply | app | app | app |
 * | the app's other `Content-*`   | ✓   | ✓   | Content-Location only | | |
 * | the app's other fields        | ✓   | ✓   | ✓              | ✓   | ✓             |
 *
 * A 304 carries only what updates a cached copy (RFC 9110 §15.4.5): ETag, Cache-Control, Expires,
 * Vary, Content-Location, Date, and Last-Modified where there is no ETag. 412 and 416 describe no
 * representation, so none of the app's `Content-*` fields go with them. The app's `Cache-Control`,
 * `ETag`, `Last-Modified` and `Content-Type` win over ours where they are carried.
 */
export function buildHeaders(answer: HeaderAnswer, representation: Representation, app: AppHeaders, appFields: AppFields): HeaderRecord {
  const { status } = answer;
  const headers: HeaderRecord = {};
  for (const name in app) {
    const lower = name.toLowerCase();
    if (OURS.has(lower) || !carriesAppField(status, lower)) continue;
    const value = app[name];
    if (value !== undefined) headers[name] = typeof value === 'number' ? String(value) : value;
  }
  const { etag, cacheControl } = representation;
  if (status !== 412) {
    if (cacheControl !== undefined) headers['Cache-Control'] = cacheControl;
    if (etag !== undefined) headers['ETag'] = etag;
    if (status !== 304 || etag === undefined) {
      const lastModified = lastModifiedField(representation);
      if (lastModified !== undefined) headers['Last-Modified'] = lastModified;
    }
  } else if (appFields.cacheControl !== undefined) {
    headers['Cache-Control'] = appFields.cacheControl;
  }
  if (status !== 304 && status !== 412 && representation.acceptRanges) headers['Accept-Ranges'] = 'bytes';
  const vary = mergeVary(appFields.vary, status === 206 && answer.varyFetchDest);
  if (vary !== undefined) headers['Vary'] = vary;
  switch (answer.status) {
    case 200:
      headers['Content-Type'] = representation.contentType;
      headers['Content-Length'] = String(representation.size);
      break;
    case 206:
      headers['Content-Type'] = answer.contentType;
      if (answer.contentRange !== undefined) headers['Content-Range'] = answer.contentRange;
      headers['Content-Length'] = String(answer.length);
      break;
    case 416:
      headers['Content-Range'] = `bytes */${representation.size}`;
      headers['Content-Length'] = '0';
      break;
    case 412:
      headers['Content-Length'] = '0';
      break;
    case 304:
      break;
  }
  return headers;
}

/** Fields we write ourselves (the app's value, where it set one, is folded into ours). */
const OURS: ReadonlySet<string> = new Set([
  'content-type', 'content-length', 'content-range', 'etag', 'last-modified', 'cache-control', 'accept-ranges', 'vary',
]);

function carriesAppField(status: number, lowerName: string): boolean {
  if (status === 200 || status === 206 || !lowerName.startsWith('content-')) return true;
  return status === 304 && lowerName === 'content-location';
}

function lastModifiedField(representation: Representation): string | undefined {
  if (representation.lastModifiedField !== undefined) return representation.lastModifiedField;
  return representation.lastModified === undefined ? undefined : formatHttpDate(new Date(representation.lastModified));
}

/** The app's `Vary` with `Sec-Fetch-Dest` added when the answer depended on it (and is not already listed). */
function mergeVary(app: string | undefined, fetchDest: boolean): string | undefined {
  if (!fetchDest) return app;
  if (app === undefined || app.trim() === '') return 'Sec-Fetch-Dest';
  if (app.split(',').some((name) => { const field = name.trim().toLowerCase(); return field === '*' || field === 'sec-fetch-dest'; })) return app;
  return `${app}, Sec-Fetch-Dest`;
}

function joined(value: string | number | readonly string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'object' ? value.join(', ') : String(value);
}
