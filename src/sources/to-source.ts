import type { Source, SourceInput } from '../types.js';
import { bufferSource } from './buffer.js';
import { describedFile, fileSource } from './file.js';

/**
 * Turns whatever `sendRange` was given into a checked {@link Source}. With `describeOnly`, a path is
 * described from stat and opened on its first read (an answer that may need no bytes).
 */
export async function toSource(input: SourceInput, describeOnly = false): Promise<Source> {
  if (typeof input === 'string') return describeOnly ? describedFile(input) : fileSource(input);
  if (input instanceof Uint8Array) return bufferSource(input);
  const source = isPromiseLike(input) ? await input : input;
  if (typeof source !== 'object' || source === null || typeof source.open !== 'function') {
    throw new TypeError('sendRange: the source must be a path, a Uint8Array, or an object with size and open()');
  }
  if (!Number.isSafeInteger(source.size) || source.size < 0) {
    throw new TypeError(`sendRange: source.size must be a non-negative safe integer, got ${String(source.size)}`);
  }
  return source;
}

function isPromiseLike(value: unknown): value is PromiseLike<Source> {
  return typeof (value as PromiseLike<Source> | null)?.then === 'function';
}
