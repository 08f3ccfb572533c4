/**
 * `partial-content/s3`: a {@link Source} for objects in S3 and S3-compatible stores over the AWS SDK v3.
 * Kept out of the main entry so that `partial-content` never loads `@aws-sdk/client-s3` (an optional
 * peer dependency): install it to use this entry.
 * @module
 */
export { s3Source, type S3ObjectLocation, type S3SendClient } from './sources/s3.js';
export type { ByteRange, Source } from './types.js';
