import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { connect, createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patterned } from '../helpers/fixtures.js';
import { connectH2, h2Get, makeCertificate, type Certificate } from '../helpers/h2.js';
import { get } from '../helpers/http-get.js';

/**
 * Every snippet of the README's "Other servers" section, run as it stands in its own Node process
 * (3000 becomes a free port; the Express 4 snippet's `express` is this repository's `express4`
 * alias), answering a byte-exact 206 over the transports it claims. The snippets import
 * 'partial-content', i.e. the built dist/ (the unit project's global setup builds it).
 */

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const README = readFileSync(join(REPO, 'README.md'), 'utf8');
const INTRO = patterned(300 * 1024, 13);
const RANGE = 'bytes=1000-70999'; // more than one 64 KiB chunk

/** The first ```js block under `### heading` in the "Other servers" section. */
function snippet(heading: string): string {
  const section = README.split('\n## Other servers\n')[1]?.split('\n## ')[0] ?? '';
  const from = section.indexOf(`\n### ${heading}\n`);
  const code = from === -1 ? undefined : /```js\n([\s\S]*?)```/.exec(section.slice(from))?.[1];
  if (code === undefined) throw new Error(`README: no js snippet under "### ${heading}" in "Other servers"`);
  return code;
}

let certificate: Certificate;
let workDir: string;
const children: ChildProcess[] = [];

beforeAll(() => {
  certificate = makeCertificate();
  // Inside the repository, so `import 'partial-content'` resolves to this package (self-reference).
  workDir = mkdtempSync(join(REPO, '.snippet-'));
  mkdirSync(join(workDir, 'media'));
  writeFileSync(join(workDir, 'media', 'intro.mp4'), INTRO);
  writeFileSync(join(workDir, 'key.pem'), certificate.key);
  writeFileSync(join(workDir, 'cert.pem'), certificate.cert);
});

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(workDir, { recursive: true, force: true });
  certificate.cleanup();
});

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Runs `code` as an ES module in workDir and resolves its port once it accepts connections (≤ 20 s). */
async function run(name: string, code: string): Promise<number> {
  const port = await freePort();
  const file = join(workDir, `${name}.mjs`);
  writeFileSync(file, code.replaceAll('3000', String(port)));
  const child = spawn(process.execPath, [file], { cwd: workDir, stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const deadline = performance.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited: ${stderr}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => resolve(true));
      socket.once('error', () => resolve(false));
      socket.once('close', () => socket.destroy());
      setTimeout(() => socket.end(), 0);
    });
    if (open) return port;
    if (performance.now() > deadline) throw new Error(`${name} did not listen within 20 s: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface Answer {
  readonly status: number;
  readonly contentRange: unknown;
  readonly body: Buffer;
}

type Transport = 'http' | 'https/1.1' | 'h2';

async function fetchVia(transport: Transport, port: number, path: string, headers: Record<string, string>): Promise<Answer> {
  if (transport === 'http') {
    const res = await get(`http://127.0.0.1:${port}${path}`, headers, 'GET', 10_000);
    return { status: res.status, contentRange: res.headers['content-range'], body: res.body };
  }
  if (transport === 'h2') {
    const session = await connectH2(`https://127.0.0.1:${port}`, certificate);
    try {
      const res = await h2Get(session, path, headers, 'GET', 10_000);
      return { status: res.status, contentRange: res.headers['content-range'], body: res.body };
    } finally {
      session.destroy();
    }
  }
  return new Promise((resolve, reject) => {
    const req = httpsRequest(`https://127.0.0.1:${port}${path}`, { ca: certificate.cert, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentRange: res.headers['content-range'], body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer within 10 s: ${path}`)));
    req.on('error', reject);
    req.end();
  });
}

const fastifyOverH2 = (code: string): string =>
  `import { readFileSync as readTls } from 'node:fs';\n${code.replace(
    'Fastify()',
    "Fastify({ http2: true, https: { key: readTls('key.pem'), cert: readTls('cert.pem'), allowHTTP1: true } })",
  )}`;

describe.each([
  { heading: 'node:http', path: '/intro.mp4', missing: '/nope.mp4', transports: ['http'] as Transport[], edit: (code: string) => code },
  { heading: 'node:http2', path: '/intro.mp4', missing: '/nope.mp4', transports: ['h2', 'https/1.1'] as Transport[], edit: (code: string) => code },
  { heading: 'Fastify', path: '/tracks/intro', missing: '/tracks/nope', transports: ['http'] as Transport[], edit: (code: string) => code },
  // The sentence under the Fastify snippet: the same route on Fastify's http2 server.
  { heading: 'Fastify', path: '/tracks/intro', missing: '/tracks/nope', transports: ['h2', 'https/1.1'] as Transport[], edit: fastifyOverH2 },
  { heading: 'Koa', path: '/tracks/intro', missing: '/tracks/nope', transports: ['http'] as Transport[], edit: (code: string) => code },
  {
    heading: 'Express 4 over HTTP/2',
    path: '/media/intro.mp4',
    missing: '/media/nope.mp4',
    transports: ['h2', 'https/1.1'] as Transport[],
    edit: (code: string) => code.replace("from 'express';", "from 'express4';"),
  },
])('README "Other servers": $heading over $transports', ({ heading, path, missing, transports, edit }) => {
  let port: number;
  beforeAll(async () => {
    port = await run(`${heading.replace(/\W+/g, '-')}-${transports.join('-').replace(/\W+/g, '')}`, edit(snippet(heading)));
  });

  it.each(transports)('answers a byte-exact 206 over %s, and 404 for what it does not have', async (transport) => {
    const res = await fetchVia(transport, port, path, { range: RANGE });
    expect([res.status, res.contentRange]).toEqual([206, `bytes 1000-70999/${INTRO.length}`]);
    expect(res.body.equals(INTRO.subarray(1000, 71_000))).toBe(true);
    const whole = await fetchVia(transport, port, path, {});
    expect([whole.status, whole.body.equals(INTRO)]).toEqual([200, true]);
    expect((await fetchVia(transport, port, missing, {})).status).toBe(404);
  });
});
