import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { HttpError } from '../errors.js';
import type { Source } from '../types.js';

/**
 * File versions whose content tag is remembered. An entry is about 200 bytes, so the cache stays
 * near 2 MB; a version pushed out is hashed again on its next request.
 */
export const CONTENT_TAG_CACHE_SIZE = 10_000;

/**
 * Files hashed at once. Each hash holds a 1 MiB buffer and keeps the disk busy, so a client asking for
 * many unhashed files at once queues them rather than multiplying memory and reads.
 */
export const CONCURRENT_HASHES = 2;

/** A source described by `stat(2)`: the files `etag: 'content'` hashes. */
type FileLike = Source & { readonly stats: Stats };

/** Finished hashes by file version, oldest first (a Map keeps insertion order: re-inserting refreshes). */
const known = new Map<string, string>();
/** Hashes being computed: every request for that version waits on the same one. */
const pending = new Map<string, Promise<string>>();
/** The tag each file source of a response was given, so one response never sees two. */
const given = new WeakMap<Source, string>();
let hashing = 0;
/** Hashes waiting for a slot, first come first served. */
const queue: Array<() => void> = [];

/** Hashes running now (at most {@link CONCURRENT_HASHES}). */
export function hashesRunning(): number {
  return hashing;
}

/** Runs `work` once fewer than {@link CONCURRENT_HASHES} hashes run; a finished one hands its slot on. */
async function inHashSlot<T>(work: () => Promise<T>): Promise<T> {
  if (hashing < CONCURRENT_HASHES) hashing++;
  else await new Promise<void>((resolve) => queue.push(resolve));
  try {
    return await work();
  } finally {
    const next = queue.shift();
    if (next === undefined) hashing--;
    else next();
  }
}

/**
 * One version of one file on this machine. The inode and device keep two files apart; ctime changes
 * with any write, even one that puts the old mtime back. Never sent: the tag is the hash alone.
 */
export function fileVersion(stats: Stats): string {
  return `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
}

function isFile(source: Source): source is FileLike {
  const stats = (source as Partial<FileLike>).stats;
  return typeof stats?.isFile === 'function' && stats.isFile();
}

function remember(version: string, tag: string): void {
  known.delete(version);
  known.set(version, tag);
  if (known.size > CONTENT_TAG_CACHE_SIZE) known.delete(known.keys().next().value as string);
}

/**
 * For a file described by stat alone (not opened): gives it its content tag if this version's hash is
 * already known and returns true; false means it must be opened and hashed.
 */
export function adoptKnownContentTag(source: Source): boolean {
  if (!isFile(source)) return true;
  const version = fileVersion(source.stats);
  const tag = known.get(version);
  if (tag === undefined) return false;
  remember(version, tag);
  given.set(source, tag);
  return true;
}

/**
 * Gives an opened file source its content tag: a SHA-256 of its bytes, as a strong entity tag.
 * Computed once per file version (the first request waits for it; concurrent ones share it) and
 * remembered in a bounded cache. The bytes are read through the source's own stream, chunk by
 * chunk, so the event loop keeps serving meanwhile. Other sources keep their own tag.
 */
export async function adoptContentTag(source: Source): Promise<void> {
  if (!isFile(source) || given.has(source)) return;
  const version = fileVersion(source.stats);
  let tag = known.get(version);
  if (tag === undefined) {
    let computing = pending.get(version);
    if (computing === undefined) {
      computing = inHashSlot(() => hashBytes(source)).finally(() => pending.delete(version));
      pending.set(version, computing);
    }
    tag = await computing;
  }
  remember(version, tag);
  given.set(source, tag);
}

/** Forgets the tag given to `source`: a file described from stat turned out to be another when opened. */
export function forgetContentTag(source: Source): void {
  given.delete(source);
}

/** The content tag given to `source`, or its own tag when it is not a file. */
export function contentTagOf(source: Source): string | undefined {
  return given.get(source) ?? source.etag;
}

/** Codes of a file source whose file was rewritten or truncated while it was read. */
const REWRITTEN = new Set(['ECHANGED', 'ESHRANK']);

async function hashBytes(source: FileLike): Promise<string> {
  const hash = createHash('sha256');
  if (source.size > 0) {
    const range = { start: 0, end: source.size - 1 };
    try {
      // The read fails (ECHANGED) rather than end normally if the file was rewritten meanwhile, so a
      // hash of a mix of two versions is never remembered. hash.update copies, so buffers may be reused.
      for await (const chunk of (await source.open(range, { reuseBuffers: true })) as AsyncIterable<Uint8Array>) hash.update(chunk);
    } catch (error) {
      // A file being published right now is not a server fault: its next version can be hashed in a
      // moment, so the answer is 503 with Retry-After (RFC 9110 §15.6.4), never a tag or a 500.
      const code = (error as NodeJS.ErrnoException | undefined)?.code;
      if (code !== undefined && REWRITTEN.has(code)) throw new HttpError(503, 'Service Unavailable', { cause: error, headers: { 'Retry-After': '1' } });
      throw error;
    }
  }
  return `"${hash.digest('base64url')}"`;
}
