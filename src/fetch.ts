// The fetch-API entry, `partial-content/fetch`: Request in, Response out, on Node, Bun and Deno.
// Nothing here loads node:http or Express.
export { rangeResponse } from './fetch/range-response.js';
export { serveFiles, type ServeFilesHandler } from './fetch/serve-files.js';
export { HttpError } from './errors.js';
export { blobSource, type BlobSource, type BlobSourceOptions } from './sources/blob.js';
export { bufferSource, type BufferSourceOptions } from './sources/buffer.js';
export { fileSource, type FileSource } from './sources/file.js';
export type { FetchCapScope, FetchSetHeadersFunction, FetchSourceInput, RangeResponseOptions, ServeFilesOptions } from './fetch/types.js';
export type { ByteRange, ResponseEvent, Source } from './types.js';
