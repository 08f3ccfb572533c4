export { partialContent, type PartialContentMiddleware } from './middleware.js';
export { sendRange } from './send-range.js';
export { HttpError } from './errors.js';
export { fileSource, type FileSource } from './sources/file.js';
export { blobSource, type BlobSource, type BlobSourceOptions } from './sources/blob.js';
export { bufferSource, type BufferSourceOptions } from './sources/buffer.js';
export { httpSource, type HttpSourceOptions } from './sources/http.js';
export type {
  ByteRange,
  CapScope,
  EtagFunction,
  NodeRequest,
  NodeResponse,
  PartialContentOptions,
  OpenOptions,
  ResponseEvent,
  SendRangeOptions,
  SetHeadersFunction,
  Source,
  SourceInput,
} from './types.js';
