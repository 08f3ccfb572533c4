import type { IncomingMessage } from 'node:http';
import supertest from 'supertest';

/** A supertest request, chainable with `.set()` and `.expect()`, awaited for its response. */
export type Test = supertest.Test;

type Method = 'get' | 'head' | 'post' | 'put' | 'delete' | 'patch' | 'options';

/** A superagent parser that keeps a body as the exact bytes received, whatever its Content-Type. */
function keepBytes(response: supertest.Response, done: (error: Error | null, body: Buffer) => void): void {
  // On Node, superagent hands a parser the IncomingMessage itself (its types name its own Response).
  const res = response as unknown as IncomingMessage;
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('error', (error) => done(error, Buffer.concat(chunks)));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}

/**
 * supertest against an app already listening on loopback (`Running.url` from helpers/server.ts),
 * with every body kept as the exact bytes received: `res.body` is a Buffer, to compare byte for byte
 * with the file (superagent would otherwise decode text and drop binary bodies).
 *
 * @example
 * const res = await request(server.url).get('/media/nums.txt').set('Range', 'bytes=0-4').expect(206);
 * expect(res.body.equals(file.subarray(0, 5))).toBe(true);
 */
export function request(url: string): Record<Method, (path: string) => supertest.Test> {
  const agent = supertest(url);
  const method = (name: Method) => (path: string) =>
    agent[name](path)
      .buffer(true)
      .parse(keepBytes)
      // superagent parses nothing for a HEAD, a 204 or a 304 (no body is read for them): say so with no bytes.
      .expect((res) => {
        if (!Buffer.isBuffer(res.body)) res.body = Buffer.alloc(0);
      });
  return {
    get: method('get'),
    head: method('head'),
    post: method('post'),
    put: method('put'),
    delete: method('delete'),
    patch: method('patch'),
    options: method('options'),
  };
}
