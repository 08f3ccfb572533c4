/**
 * The two projects a newcomer would write from the README, as files: a strict TypeScript ESM app on
 * Express 5 and a CommonJS app on Express 4. Each server listens on an ephemeral loopback port and
 * prints `{"port":N}` once it does. Each serves `media/` next to its code and a Buffer route.
 */
export type Files = Readonly<Record<string, string>>;

/** The strictest settings we compile ourselves with, as a consumer would copy them. */
const STRICT = {
  strict: true,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  noImplicitReturns: true,
  noPropertyAccessFromIndexSignature: true,
  verbatimModuleSyntax: true,
  isolatedModules: true,
  esModuleInterop: true,
  skipLibCheck: false,
  types: ['node'],
};

export function esmExpress5(versions: Readonly<Record<string, string>>, tarball: string): Files {
  return {
    'package.json': json({
      name: 'consumer-esm-express5',
      private: true,
      type: 'module',
      dependencies: { 'partial-content': `file:${tarball}`, express: versions['express'] },
      devDependencies: {
        typescript: versions['typescript'],
        '@types/express': versions['@types/express'],
        '@types/node': versions['@types/node'],
      },
    }),
    'tsconfig.json': json({
      compilerOptions: { ...STRICT, target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', rootDir: 'src', outDir: 'dist' },
      include: ['src'],
    }),
    'src/server.ts': `import path from 'node:path';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { bufferSource, partialContent, sendRange, type PartialContentOptions } from 'partial-content';

const options: PartialContentOptions = {
  maxAge: '2 weeks',
  capScope: (req: Request) => req.query['capped'] !== undefined,
  setHeaders: (res: Response, filePath) => {
    res.set('X-File', path.basename(filePath));
  },
};

const app = express();
app.use('/media', partialContent(path.join(import.meta.dirname, '..', 'media'), options));
app.get('/memory', (req: Request, res: Response, next: NextFunction) => {
  sendRange(req, res, bufferSource(Buffer.from('0123456789'.repeat(10)), { type: 'text/plain' })).catch(next);
});
const server = app.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ port: (server.address() as AddressInfo).port }));
});
`,
  };
}

export function cjsExpress4(versions: Readonly<Record<string, string>>, tarball: string): Files {
  return {
    'package.json': json({
      name: 'consumer-cjs-express4',
      private: true,
      dependencies: { 'partial-content': `file:${tarball}`, express: versions['express4'] },
      devDependencies: {
        typescript: versions['typescript'],
        '@types/express': versions['@types/express4'],
        '@types/node': versions['@types/node'],
      },
    }),
    // Plain CommonJS, as the README's quick start says: require() of this ESM package (Node >= 20.19).
    'server.js': `'use strict';
const path = require('node:path');
const express = require('express');
const { partialContent, sendRange } = require('partial-content');

const app = express();
app.use('/media', partialContent(path.join(__dirname, 'media'), { maxAge: '1 year', setHeaders: (res, file) => res.set('X-File', path.basename(file)) }));
app.get('/memory', (req, res, next) => {
  sendRange(req, res, Buffer.from('0123456789'.repeat(10))).catch(next);
});
const server = app.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ port: server.address().port }));
});
`,
    // CommonJS TypeScript: what the README says works (module nodenext, TypeScript >= 5.8), type-checked only.
    'typed.ts': `import path from 'node:path';
import express from 'express';
import { partialContent, type PartialContentOptions } from 'partial-content';

const options: PartialContentOptions = {
  capScope: (req: express.Request) => req.xhr,
  setHeaders: (res: express.Response, file) => {
    res.set('X-File', path.basename(file));
  },
};
express().use('/media', partialContent(path.join(__dirname, 'media'), options));
`,
    'tsconfig.json': json({
      // verbatimModuleSyntax would forbid `import … from` in a CommonJS file (TS1295); CommonJS projects leave it off.
      // The package's own declarations are checked strictly by the ESM project; here only the import matters.
      compilerOptions: { ...STRICT, verbatimModuleSyntax: false, skipLibCheck: true, target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', noEmit: true },
      files: ['typed.ts'],
    }),
  };
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
