import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import S3rver from 's3rver';

/** One request the store received, as the store saw it. */
export interface StoreRequest {
  readonly method: string;
  /** Path without the query (`/media/key`). */
  readonly path: string;
  readonly range: string | undefined;
  readonly ifMatch: string | undefined;
  /** Set when the store's response closed: whether it had sent its whole body by then. */
  finished: boolean | undefined;
}

export interface RunningStore {
  readonly endpoint: string;
  /** An SDK client for the store, as an app would configure one for MinIO or R2. */
  readonly client: S3Client;
  readonly bucket: string;
  /** Every request the store received, in order. */
  readonly requests: StoreRequest[];
  /** Uploads `bytes` under `key`; resolves to the object's ETag. */
  put(key: string, bytes: Uint8Array, type?: string): Promise<string>;
  /** A URL presigned for `GET` of `key`, valid for an hour. */
  presign(key: string): Promise<string>;
  close(): Promise<void>;
}

export const BUCKET = 'media';

// The SDK warns, once per process, that its releases after January 2027 need Node 22.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

/** Starts s3rver on an ephemeral loopback port with a fresh temporary directory and one bucket. */
export async function startStore(): Promise<RunningStore> {
  const directory = mkdtempSync(join(tmpdir(), 'pc-s3rver-'));
  const s3rver = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: BUCKET, configs: [] }] });
  const { port } = (await s3rver.run()) as AddressInfo;
  const server = (s3rver as unknown as { httpServer: Server }).httpServer;
  const requests: StoreRequest[] = [];
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const seen: StoreRequest = {
      method: req.method ?? '',
      path: new URL(req.url ?? '/', 'http://x').pathname,
      range: req.headers.range,
      ifMatch: req.headers['if-match'],
      finished: undefined,
    };
    requests.push(seen);
    res.on('close', () => (seen.finished = res.writableFinished));
  });

  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    // s3rver predates flexible checksums: a checksummed (aws-chunked) upload would store the framing.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });

  return {
    endpoint,
    client,
    bucket: BUCKET,
    requests,
    async put(key, bytes, type = 'application/octet-stream') {
      const answer = await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: bytes, ContentType: type }));
      return answer.ETag ?? '';
    },
    presign: (key) => getSignedUrl(client, new GetObjectCommand({ Bucket: BUCKET, Key: key }), { expiresIn: 3600 }),
    async close() {
      client.destroy();
      server.closeAllConnections();
      await s3rver.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Waits, polling, until `condition` holds; fails after `ms`. */
export async function until(condition: () => boolean, ms = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
