/** A parsed entity tag (RFC 9110 §8.8.3). */
export interface EntityTag {
  readonly weak: boolean;
  /** The opaque tag including its quotes, e.g. `"abc"`. */
  readonly opaque: string;
}

const ENTITY_TAG = /^(W\/)?("[\x21\x23-\x7e\x80-\xff]*")$/;

/** Parses one entity tag such as `"abc"` or `W/"abc"`; `undefined` when it is not one. */
export function parseEntityTag(value: string): EntityTag | undefined {
  const match = ENTITY_TAG.exec(value.trim());
  if (match === null || match[2] === undefined) return undefined;
  return { weak: match[1] !== undefined, opaque: match[2] };
}

/**
 * Parses an `If-Match`/`If-None-Match` value: `'*'`, or the list of well-formed entity tags in it.
 * Malformed members are skipped, so garbage never matches.
 */
export function parseEntityTagList(value: string): '*' | EntityTag[] {
  if (value.trim() === '*') return '*';
  const tags: EntityTag[] = [];
  // Entity tags cannot contain commas, so splitting on them is exact for well-formed members.
  for (const member of value.split(',')) {
    const tag = parseEntityTag(member);
    if (tag !== undefined) tags.push(tag);
  }
  return tags;
}

/** Strong comparison (RFC 9110 §8.8.3.2): both strong and the same characters. */
export function strongMatch(a: EntityTag, b: EntityTag): boolean {
  return !a.weak && !b.weak && a.opaque === b.opaque;
}

/** Weak comparison (RFC 9110 §8.8.3.2): the same opaque tag, weakness ignored. */
export function weakMatch(a: EntityTag, b: EntityTag): boolean {
  return a.opaque === b.opaque;
}

/**
 * Parses an HTTP-date (RFC 9110 §5.6.7) to milliseconds since the epoch, `undefined` when invalid.
 * Accepts the three formats the RFC requires recipients to read; anything else is ignored.
 */
export function parseHttpDate(value: string): number | undefined {
  const text = value.trim();
  if (!HTTP_DATE.test(text)) return undefined;
  // asctime carries no zone but is defined as UTC; without one, Date.parse would read local time.
  const time = Date.parse(text.endsWith('GMT') ? text : `${text} GMT`);
  return Number.isNaN(time) ? undefined : time;
}

const HTTP_DATE = new RegExp(
  [
    // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
    /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.source,
    // obsolete RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
    /^[A-Z][a-z]+, \d{2}-[A-Z][a-z]{2}-\d{2} \d{2}:\d{2}:\d{2} GMT$/.source,
    // obsolete asctime: Sun Nov  6 08:49:37 1994
    /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/.source,
  ].join('|'),
);

let lastTime = Number.NaN;
let lastText = '';

/** Formats a date as an IMF-fixdate, the form `Last-Modified` must use. */
export function formatHttpDate(date: Date): string {
  // The same file is usually asked for many times in a row: remember the last one.
  const time = date.getTime();
  if (time !== lastTime) {
    lastText = date.toUTCString();
    lastTime = time;
  }
  return lastText;
}

/** Milliseconds truncated to whole seconds, the precision of HTTP-dates. */
export function toHttpSeconds(time: number): number {
  return Math.floor(time / 1000) * 1000;
}

/**
 * A file's modification time in whole milliseconds, truncated: the precision Node, Bun and Deno all
 * report. Deno's `stat` has no finer one; Node's and Bun's `mtimeMs` carry sub-millisecond digits, and
 * Node's `Stats.mtime` rounds them (a file stamped 0.6 ms before a second would be dated one second
 * later on Node than on Bun and Deno). File validators are built from this value only.
 */
export function fileMtimeMillis(mtimeMs: number): number {
  return Math.floor(mtimeMs);
}

/**
 * A strong entity tag for a file from its size and modification time in whole milliseconds,
 * `"<size hex>-<mtime ms hex>"`, so any write or truncation changes it. It holds nothing
 * machine-specific (no inode, no device, as Apache 2.4's `FileETag MTime Size` and nginx): every
 * server holding the same bytes with the same size and mtime gives the same tag, which is what a
 * cache stitching slices from several origins needs.
 */
export function fileEntityTag(size: number, mtimeMs: number): string {
  // Milliseconds, not µs: the finest precision Node, Bun and Deno all see, so one file has one tag on
  // all three (nginx uses seconds); lost: a same-size rewrite within the same millisecond.
  return `"${size.toString(16)}-${fileMtimeMillis(mtimeMs).toString(16)}"`;
}
