import type { Stats } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttp2Server, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import type { Readable } from 'node:stream';
import express, { type Request, type Response } from 'express';
import express4, { type Request as Request4, type Response as Response4 } from 'express4';
import type { S3Client } from '@aws-sdk/client-s3';
import { describe, expectTypeOf, it } from 'vitest';
import {
  bufferSource,
  partialContent,
  sendRange,
  type PartialContentMiddleware,
  type ResponseEvent,
  type Source,
} from '../src/index.js';
import { s3Source, type S3ObjectLocation, type S3SendClient } from '../src/s3.js';

describe('types', () => {
  it('partialContent is middleware for Express 5 and 4', () => {
    expectTypeOf(partialContent('./songs')).toEqualTypeOf<PartialContentMiddleware>();
    express().use('/media', partialContent('./songs', { maxAge: '7d', dotfiles: 'deny' }));
    express4().use('/media', partialContent('./songs', { maxChunkSize: Infinity }));
    express().use('/media', partialContent('./songs', { etag: 'content' }));
  });

  it('sendRange takes paths, bytes, sources and promises of sources', () => {
    expectTypeOf(sendRange).returns.toEqualTypeOf<Promise<void>>();
    const req = {} as IncomingMessage;
    const res = {} as ServerResponse;
    expectTypeOf(sendRange).toBeCallableWith(req, res, '/srv/a.mp3');
    expectTypeOf(sendRange).toBeCallableWith(req, res, new Uint8Array(4), { etag: false });
    expectTypeOf(sendRange).toBeCallableWith(req, res, bufferSource(Buffer.alloc(1)));
    expectTypeOf(sendRange).toBeCallableWith(req, res, Promise.resolve({ size: 1, open: () => ({}) as Readable }));
  });

  it('sendRange takes node:http2 compatibility requests and responses without a cast', () => {
    expectTypeOf(sendRange).toBeCallableWith({} as Http2ServerRequest, {} as Http2ServerResponse, '/srv/a.mp3');
    createHttp2Server((req, res) => {
      sendRange(req, res, '/srv/a.mp3', { capScope: (r: Http2ServerRequest) => r.headers['sec-fetch-dest'] === 'video' }).catch(() => res.destroy());
    });
    // @ts-expect-error a response is not a request
    sendRange({} as Http2ServerResponse, {} as Http2ServerResponse, '/srv/a.mp3');
  });

  it('options reject wrong types', () => {
    // @ts-expect-error maxChunkSize is a number
    partialContent('./songs', { maxChunkSize: '2MB' });
    // @ts-expect-error etag is a boolean, 'content' or a function
    partialContent('./songs', { etag: 'sha256' });
    // @ts-expect-error dotfiles is one of three words
    partialContent('./songs', { dotfiles: 'hide' });
  });

  it('a source needs a size and open()', () => {
    expectTypeOf<{ size: number; open: Source['open'] }>().toExtend<Source>();
    expectTypeOf<{ open: Source['open'] }>().not.toExtend<Source>();
  });

  // A strict project writes its hooks with its framework's own types; they must compile without a cast.
  it('hooks accept Express 5 Request and Response', () => {
    express().use(
      '/media',
      partialContent('./songs', {
        capScope: (req: Request) => req.get('sec-fetch-dest') === 'video' || req.query['preview'] !== undefined,
        setHeaders: (res: Response, path) => {
          expectTypeOf(path).toEqualTypeOf<string>();
          res.set('Content-Disposition', 'inline');
        },
      }),
    );
    express().get('/t/:id', (req: Request, res: Response, next) => {
      sendRange(req, res, '/srv/a.mp3', {
        capScope: (r: Request) => r.params['id'] !== 'x',
        setHeaders: (r: Response) => r.type('audio/mpeg'),
      }).catch(next);
    });
  });

  it('hooks accept Express 4 Request and Response', () => {
    express4().use(
      '/media',
      partialContent('./songs', {
        capScope: (req: Request4) => req.xhr,
        setHeaders: (res: Response4, _path, stats) => {
          expectTypeOf(stats).toEqualTypeOf<Stats | undefined>();
          res.set('X-Size', String(stats?.size));
        },
      }),
    );
  });

  it('hooks still refuse what is not a request or a response', () => {
    // @ts-expect-error a request is not a string
    partialContent('./songs', { capScope: (req: string) => req.length > 0 });
    // @ts-expect-error a response is not a request
    partialContent('./songs', { setHeaders: (res: Request) => res.get('x') });
    // @ts-expect-error capScope answers a boolean
    partialContent('./songs', { capScope: (_req: Request) => 'yes' });
  });

  it('onResponse gets a ResponseEvent', () => {
    partialContent('.', { onResponse: (event) => expectTypeOf(event).toEqualTypeOf<ResponseEvent>() });
  });

  it('s3Source takes an S3Client and a location, and gives a Source sendRange accepts', () => {
    expectTypeOf<S3Client>().toMatchTypeOf<S3SendClient>();
    expectTypeOf(s3Source).parameter(1).toEqualTypeOf<S3ObjectLocation>();
    expectTypeOf(s3Source).returns.toEqualTypeOf<Promise<Source>>();
    expectTypeOf<{ Bucket: 'media'; Key: 'a.mp3'; VersionId: 'v1' }>().toMatchTypeOf<S3ObjectLocation>();
    expectTypeOf<{ Bucket: 'media' }>().not.toMatchTypeOf<S3ObjectLocation>();
    expectTypeOf(sendRange).toBeCallableWith({} as IncomingMessage, {} as ServerResponse, {} as ReturnType<typeof s3Source>);
  });
});
