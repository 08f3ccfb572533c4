import express4 from 'express4';
import express5 from 'express';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { partialContent } from '../../src/index.js';
import { createFixtures, type Fixtures } from '../helpers/fixtures.js';
import { createApp, EXPRESS_MAJOR, listen, type Running, type TestApp } from '../helpers/server.js';
import { request } from '../helpers/supertest.js';

// The README promises that option names shared with serve-static mean the same there. For maxAge the
// oracle is express.static itself: both mounts get the same string and must send the same header.
type Handler = Parameters<TestApp['get']>[1];
const serveStatic = (EXPRESS_MAJOR === 4 ? express4.static : express5.static) as unknown as (root: string, options: { maxAge: string }) => Handler;
const MAX_AGES = [
  '2 weeks', '1 year', '30 min', '1.5h', '2 days', '7d', '12h', '90s', '500ms', '250', '0', '1 hr', '3 mins',
  '10 secs', '1 week', '2.5 Days', '.5h', '12 Hrs', '10 years', '1y', '59 seconds', '1000 milliseconds',
];

let fixtures: Fixtures;
let server: Running;

beforeAll(async () => {
  fixtures = createFixtures();
  const app = createApp();
  MAX_AGES.forEach((maxAge, index) => {
    app.use(`/static/${index}`, serveStatic(fixtures.root, { maxAge }));
    app.use(`/ours/${index}`, partialContent(fixtures.root, { maxAge }));
  });
  server = await listen(app);
});

afterAll(async () => {
  await server.close();
  fixtures.cleanup();
});

describe(`maxAge strings read as express.static reads them (Express ${EXPRESS_MAJOR})`, () => {
  it.each(MAX_AGES.map((maxAge, index) => ({ maxAge, index })))('$maxAge', async ({ index }) => {
    const theirs = await request(server.url).get(`/static/${index}/nums.txt`).expect(200);
    await request(server.url).get(`/ours/${index}/nums.txt`).expect(200).expect('Cache-Control', String(theirs.headers['cache-control']));
  });
});
