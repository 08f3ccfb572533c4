import { request, type IncomingHttpHeaders } from 'node:http';

export interface GetResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * A plain node:http request that buffers the whole body (no client-side normalisation of bodies).
 * With `idleTimeoutMs`, a connection that stays silent that long is destroyed and the promise rejects.
 */
export function get(url: string, headers: Record<string, string> = {}, method = 'GET', idleTimeoutMs?: number): Promise<GetResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (idleTimeoutMs !== undefined) req.setTimeout(idleTimeoutMs, () => req.destroy(new Error(`no answer within ${idleTimeoutMs} ms: ${url}`)));
    req.end();
  });
}

/** An answer that may have been cut short. */
export interface LooseResponse extends GetResponse {
  /** The whole announced body arrived. */
  readonly complete: boolean;
}

/** A GET that reports a cut connection (`complete: false`, status 0 if nothing came) instead of rejecting. */
export function getLoose(url: string, headers: Record<string, string> = {}): Promise<LooseResponse> {
  return new Promise((resolve) => {
    const req = request(url, { headers, agent: false }, (res) => {
      const body: Buffer[] = [];
      res.on('data', (chunk: Buffer) => body.push(chunk));
      res.on('error', () => undefined);
      res.on('close', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(body), complete: res.complete }));
    });
    req.on('error', () => resolve({ status: 0, headers: {}, body: Buffer.alloc(0), complete: false }));
    req.end();
  });
}

/** Requests `url`, destroys the request as soon as the first body bytes arrive, and gives the status seen. */
export function abortAfterFirstBytes(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false }, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve(res.statusCode ?? 0);
      });
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (!req.destroyed || error.code !== 'ECONNRESET') reject(error);
    });
    req.end();
  });
}
