import { pathToFileURL } from 'node:url';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { httpSource, sendRange, type SendRangeOptions, type Source } from 'partial-content';
import { s3Source } from 'partial-content/s3';

// Media kept in S3 or an S3-compatible store, served with ranges and validators, both ways:
//   GET /media/<key>      s3Source over the SDK client (HeadObject once per reuse period, GetObject per range)
//   GET /presigned/<key>  httpSource on a URL presigned for GET (as if another service handed you the URL)
// Run it against any S3 API, e.g. MinIO on localhost:9000 or Cloudflare R2:
//   S3_BUCKET=media S3_ENDPOINT=http://localhost:9000 AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… npx tsx examples/s3.ts
//   S3_BUCKET=media S3_ENDPOINT=https://<account>.r2.cloudflarestorage.com S3_REGION=auto … npx tsx examples/s3.ts
//   curl -i -H 'Range: bytes=0-99' http://127.0.0.1:3003/media/episode-1.mp3
// Without S3_ENDPOINT it talks to AWS S3 in S3_REGION (us-east-1). PORT (3003).

export interface S3AppOptions {
  /** The SDK client: its endpoint, region and credentials say which store. */
  readonly client: S3Client;
  readonly bucket: string;
  /** Passed to `sendRange`. */
  readonly send?: SendRangeOptions;
  /** How long one probe of an object (its size and validators) is reused, in ms. @default 30000 */
  readonly reuseMs?: number;
  /** The most objects whose probes are kept at once. @default 1000 */
  readonly maxProbes?: number;
}

/**
 * An app serving objects of `bucket`. Probes are reused for `reuseMs` per key; when a reused probe
 * no longer matches the object (replaced meanwhile: the store's answer carries another ETag, or it
 * refuses IfMatch), opening the range fails before anything is written, so the route probes again
 * and retries once. A missing key is a 404, other store failures a 502, through `next(err)`.
 */
export function createS3App(options: S3AppOptions): Express {
  const { client, bucket } = options;
  const reuseMs = options.reuseMs ?? 30_000;
  const maxProbes = options.maxProbes ?? 1000;
  const probes = new Map<string, { readonly source: Promise<Source>; readonly at: number }>();

  const probe = (key: string, fresh: boolean): { readonly source: Promise<Source>; readonly reused: boolean } => {
    const kept = probes.get(key);
    if (!fresh && kept !== undefined && Date.now() - kept.at <= reuseMs) return { source: kept.source, reused: true };
    const source = s3Source(client, { Bucket: bucket, Key: key });
    probes.delete(key);
    // Bounded: the oldest probe goes when the map is full (a Map iterates in insertion order).
    if (probes.size >= maxProbes) probes.delete(probes.keys().next().value as string);
    probes.set(key, { source, at: Date.now() });
    source.catch(() => probes.delete(key));
    return { source, reused: false };
  };

  const app = express();
  app.disable('x-powered-by');

  app.get('/media/*key', async (req: Request, res: Response, next: NextFunction) => {
    const key = keyOf(req);
    const { source, reused } = probe(key, false);
    try {
      await sendRange(req, res, source, options.send);
    } catch (error) {
      if (!reused || res.headersSent) return next(error);
      // The object may have been replaced since the reused probe: probe again, once.
      sendRange(req, res, probe(key, true).source, options.send).catch(next);
    }
  });

  app.get('/presigned/*key', async (req: Request, res: Response, next: NextFunction) => {
    try {
      const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: keyOf(req) }), { expiresIn: 300 });
      await sendRange(req, res, httpSource(url), options.send);
    } catch (error) {
      next(error);
    }
  });
  return app;
}

/** The object key from Express 5's `*key` wildcard (an array of path segments). */
function keyOf(req: Request): string {
  const segments = (req.params as { key?: string[] | string }).key ?? [];
  return Array.isArray(segments) ? segments.join('/') : segments;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const bucket = process.env['S3_BUCKET'];
  if (bucket === undefined) {
    console.error('Set S3_BUCKET (and S3_ENDPOINT for MinIO/R2, S3_REGION, AWS credentials).');
    process.exit(1);
  }
  const endpoint = process.env['S3_ENDPOINT'];
  const client = new S3Client({
    region: process.env['S3_REGION'] ?? 'us-east-1',
    // MinIO (and most self-hosted stores) need path-style URLs: http://host:9000/bucket/key.
    ...(endpoint === undefined ? {} : { endpoint, forcePathStyle: true }),
  });
  const port = Number(process.env['PORT'] ?? 3003);
  createS3App({ client, bucket }).listen(port, '127.0.0.1', () => console.log(`Serving s3://${bucket} at http://127.0.0.1:${port}/media/<key>`));
}
