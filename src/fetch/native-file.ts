import type { Stats } from 'node:fs';
import { describedFile, fileDescribedBy, fileSource } from '../sources/file.js';
import { blobBytes } from '../sources/blob.js';
import type { Source } from '../types.js';

/** Bun's file Blob factory, when running on Bun. */
type BunFile = (path: string) => Blob;
const bunFile = (globalThis as { Bun?: { file?: BunFile } }).Bun?.file;

/**
 * The source for a file path. On Bun the bytes come from `Bun.file(path)`, which Bun sends with
 * sendfile; the metadata (size, validators) still come from `stat`, so the answer's headers are the
 * same as on Node and Deno (`stats`, when the caller has just taken them, saves a second `stat`).
 * Elsewhere the file is opened once and described from its descriptor.
 */
export async function fileSourceFor(path: string, stats?: Stats): Promise<Source> {
  if (bunFile === undefined) return fileSource(path);
  const described = stats === undefined ? await describedFile(path) : fileDescribedBy(path, stats);
  return { ...described, ...blobBytes(bunFile(path)) };
}

/** Whether file bodies are handed to the runtime as a Blob (Bun). */
export const filesAreBlobs = bunFile !== undefined;

/**
 * Whether a Blob body leaves the decided answer as it is. Bun applies the request's `Range` itself to
 * a 200 whose body is a file Blob (and answers 206 or 416 where we decided 200: a failed `If-Range`,
 * `acceptRanges: false`, too many ranges); such a 200 goes out through the stream path instead.
 */
export function blobBodyKeepsAnswer(status: number, request: Request): boolean {
  return !filesAreBlobs || status !== 200 || !request.headers.has('range');
}
