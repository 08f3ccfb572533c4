import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  connect,
  constants,
  createSecureServer,
  type ClientHttp2Session,
  type Http2SecureServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type IncomingHttpHeaders,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A self-signed certificate for `localhost` and `127.0.0.1`, made at test time (nothing committed). */
export interface Certificate {
  readonly key: Buffer;
  readonly cert: Buffer;
  /** Folder holding `key.pem` and `cert.pem`. */
  readonly dir: string;
  /** base64 SHA-256 of the public key (Chromium's `--ignore-certificate-errors-spki-list`). */
  readonly spki: string;
  cleanup(): void;
}

const OPENSSL = process.env['OPENSSL'] ?? 'openssl';

/** Makes a one-day P-256 certificate with openssl (about 20 ms). */
export function makeCertificate(): Certificate {
  const dir = mkdtempSync(join(tmpdir(), 'partial-content-cert-'));
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  execFileSync(
    OPENSSL,
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', keyPath, '-out', certPath],
    { stdio: 'pipe', timeout: 20_000 },
  );
  const publicKey = execFileSync(OPENSSL, ['x509', '-in', certPath, '-pubkey', '-noout'], { timeout: 20_000 });
  const der = execFileSync(OPENSSL, ['pkey', '-pubin', '-outform', 'der'], { input: publicKey, timeout: 20_000 });
  const spki = execFileSync(OPENSSL, ['dgst', '-sha256', '-binary'], { input: der, timeout: 20_000 }).toString('base64');
  return {
    key: readFileSync(keyPath),
    cert: readFileSync(certPath),
    dir,
    spki,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * The compat objects typed as node:http's, for `partialContent`, whose middleware type is node:http's
 * (Express's); `sendRange` takes them as they are.
 */
export function asHttp1(req: Http2ServerRequest, res: Http2ServerResponse): [IncomingMessage, ServerResponse] {
  return [req as unknown as IncomingMessage, res as unknown as ServerResponse];
}

/** A handler of node:http2's compatibility request and response (what `sendRange` takes without a cast). */
export type H2Handler = (req: Http2ServerRequest, res: Http2ServerResponse) => void;

export interface RunningH2 {
  readonly server: Http2SecureServer;
  readonly port: number;
  /** `https://127.0.0.1:<port>` */
  readonly url: string;
  close(): Promise<void>;
}

/** `http2.createSecureServer({ allowHTTP1: true })` on an ephemeral loopback port. */
export async function listenH2(certificate: Certificate, handler: H2Handler): Promise<RunningH2> {
  const server = createSecureServer({ key: certificate.key, cert: certificate.cert, allowHTTP1: true }, handler);
  const sessions = new Set<{ destroy(): void }>();
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  server.on('secureConnection', (socket) => {
    sessions.add(socket); // HTTP/1.1 connections (allowHTTP1)
    socket.once('close', () => sessions.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    url: `https://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A client session that trusts `certificate` (no verification switched off). */
export function connectH2(url: string, certificate: Certificate): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = connect(url, { ca: certificate.cert });
    session.once('error', reject);
    session.once('connect', () => {
      session.off('error', reject);
      session.on('error', () => undefined); // a test that destroys the session sees it through its streams
      resolve(session);
    });
  });
}

export interface H2Response {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** One request on `session`, the whole body buffered; rejects after `timeoutMs` without an end. */
export function h2Get(
  session: ClientHttp2Session,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
  timeoutMs = 20_000,
): Promise<H2Response> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': method, ':path': path, ...headers }, { endStream: true });
    const timer = setTimeout(() => {
      stream.close(constants.NGHTTP2_CANCEL);
      reject(new Error(`no end within ${timeoutMs} ms: ${method} ${path}`));
    }, timeoutMs);
    const chunks: Buffer[] = [];
    let responseHeaders: IncomingHttpHeaders = {};
    stream.on('response', (received) => {
      responseHeaders = received;
    });
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      clearTimeout(timer);
      resolve({ status: Number(responseHeaders[':status']), headers: responseHeaders, body: Buffer.concat(chunks) });
    });
    stream.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
