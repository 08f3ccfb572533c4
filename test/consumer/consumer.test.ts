import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patterned } from '../helpers/fixtures.js';
import { get } from '../helpers/http-get.js';
import { cjsExpress4, esmExpress5, type Files } from './projects.js';

// The package as an installer gets it: `npm pack` (which builds on prepack), the tarball installed into
// two fresh projects from the registry (prefer-offline: the versions are the ones our own lock file
// already put in npm's cache), compiled with their own tsc, run as their own processes, and asked for a
// range over a real socket.

const REPO = join(import.meta.dirname, '..', '..');
const SONG = patterned(300 * 1024, 5);
const MEMORY = Buffer.from('0123456789'.repeat(10));

interface Run {
  readonly code: number;
  readonly output: string;
}

/** Runs a command to its end (bounded), with npm's variables from our own `npm run` removed. */
function run(command: string, args: readonly string[], cwd: string, timeoutMs: number): Promise<Run> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')));
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

function writeProject(dir: string, files: Files): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  mkdirSync(join(dir, 'media'), { recursive: true });
  writeFileSync(join(dir, 'media', 'song.mp3'), SONG);
}

const children: ChildProcess[] = [];

/** Starts a consumer's server and waits (bounded) for the port it prints. */
function start(script: string, cwd: string): Promise<string> {
  const child = spawn(process.execPath, [script], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`${script} printed no port within 20 s:\n${output}`)), 20_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const port = /\{"port":(\d+)\}/.exec(output)?.[1];
      if (port !== undefined) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${port}`);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code}:\n${output}`));
    });
  });
}

let work: string;
let esm: string;
let cjs: string;
const installs: Record<string, Run> = {};

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'partial-content-consumer-'));
  const packed = await run('npm', ['pack', '--pack-destination', work], REPO, 180_000);
  expect(packed.code, packed.output).toBe(0);
  const tarballs = readdirSync(work).filter((name) => name.endsWith('.tgz'));
  expect(tarballs).toHaveLength(1);
  const tarball = join(work, tarballs[0] ?? '');

  const versionOf = (name: string): string =>
    (JSON.parse(readFileSync(join(REPO, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  const versions = Object.fromEntries(
    ['express', 'express4', 'typescript', '@types/express', '@types/express4', '@types/node'].map((name) => [name, versionOf(name)]),
  );
  esm = join(work, 'esm-express5');
  cjs = join(work, 'cjs-express4');
  writeProject(esm, esmExpress5(versions, tarball));
  writeProject(cjs, cjsExpress4(versions, tarball));

  const args = ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=warn'];
  const [a, b] = await Promise.all([run('npm', args, esm, 240_000), run('npm', args, cjs, 240_000)]);
  installs['esm'] = a;
  installs['cjs'] = b;
  expect(a.code, a.output).toBe(0);
  expect(b.code, b.output).toBe(0);
});

afterAll(async () => {
  await Promise.all(
    children.map((child) => {
      if (child.exitCode !== null || child.signalCode !== null) return undefined;
      return new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill();
      });
    }),
  );
  if (work !== undefined && process.env['KEEP_CONSUMER'] === undefined) rmSync(work, { recursive: true, force: true });
});

async function expectRanges(url: string, maxAge: number): Promise<void> {
  const song = await get(`${url}/media/song.mp3`, { Range: 'bytes=1000-1999' }, 'GET', 10_000);
  expect(song.status).toBe(206);
  expect(song.headers['content-range']).toBe(`bytes 1000-1999/${SONG.length}`);
  expect(song.headers['content-length']).toBe('1000');
  expect(song.headers['cache-control']).toBe(`public, max-age=${maxAge}`);
  expect(song.headers['x-file']).toBe('song.mp3');
  expect(song.body.equals(SONG.subarray(1000, 2000))).toBe(true);

  const tail = await get(`${url}/media/song.mp3`, { Range: 'bytes=-100' }, 'GET', 10_000);
  expect(tail.status).toBe(206);
  expect(tail.body.equals(SONG.subarray(SONG.length - 100))).toBe(true);

  const memory = await get(`${url}/memory`, { Range: 'bytes=10-19' }, 'GET', 10_000);
  expect(memory.status).toBe(206);
  expect(memory.body.equals(MEMORY.subarray(10, 20))).toBe(true);

  const trailing = await get(`${url}/media/song.mp3/`, {}, 'GET', 10_000);
  expect(trailing.status).toBe(404);
}

describe('installed from the packed tarball', () => {
  it('installs without npm asking to approve any script of ours', () => {
    for (const install of Object.values(installs)) expect(install.output).not.toMatch(/install-scripts.*partial-content/);
  });

  it('a strict TypeScript ESM app on Express 5, hooks typed with its Request/Response, compiles with tsc (nodenext and node16) and serves ranges', async () => {
    const tsc = await run(process.execPath, [join('node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], esm, 240_000);
    expect(tsc.output).toBe('');
    expect(tsc.code).toBe(0);
    const node16 = [join('node_modules', 'typescript', 'bin', 'tsc'), '-p', '.', '--noEmit', '--skipLibCheck', '--module', 'node16', '--moduleResolution', 'node16'];
    expect((await run(process.execPath, node16, esm, 240_000)).output).toBe('');
    await expectRanges(await start(join('dist', 'server.js'), esm), 1_209_600);
  });

  it('a CommonJS app on Express 4 loads it with require() and serves ranges', async () => {
    await expectRanges(await start('server.js', cjs), 31_536_000);
  });

  it('CommonJS TypeScript type-checks with module nodenext and node20; node16 cannot import an ES module (TS1479), as the README says', async () => {
    const tsc = [join('node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'];
    const nodenext = await run(process.execPath, tsc, cjs, 240_000);
    expect(nodenext.output).toBe('');
    expect(nodenext.code).toBe(0);
    const node20 = await run(process.execPath, [...tsc, '--module', 'node20', '--moduleResolution', 'node16'], cjs, 240_000);
    expect(node20.output).toBe('');
    const node16 = await run(process.execPath, [...tsc, '--module', 'node16', '--moduleResolution', 'node16'], cjs, 240_000);
    expect(node16.code).not.toBe(0);
    expect(node16.output).toContain('TS1479');
  });
});
