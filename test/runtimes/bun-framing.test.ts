import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RUNTIME_BINARIES } from '../fetch/runtime-server.js';
import { createFixtures, patterned, type Fixtures } from '../helpers/fixtures.js';
import { wireRequest } from './answer.js';

const SERVER = fileURLToPath(new URL('./bun-framing.server.ts', import.meta.url));

/**
 * Why the fetch shell cannot give Bun a multipart body over 64 KiB with its Content-Length while
 * keeping memory bounded (identical.test.ts accepts exactly that difference). Against a bare
 * Bun.serve: a ReadableStream body loses the handler's Content-Length and goes out chunked, and a
 * Blob composed of bytes and a file slice silently leaves the file's bytes out. When a Bun release
 * changes either, this fails: stream multipart with its length on Bun and drop the exception.
 */
describe('Bun.serve framing (a minimal repro, no library)', () => {
  let fixtures: Fixtures;
  let port = 0;
  let child: ReturnType<typeof spawn> | undefined;
  beforeAll(async () => {
    fixtures = createFixtures();
    const file = join(fixtures.root, 'big.bin');
    writeFileSync(file, patterned(200_000));
    child = spawn(RUNTIME_BINARIES.bun, [SERVER, file], { stdio: ['ignore', 'pipe', 'pipe'] });
    port = await new Promise<number>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`no "listening" within 30 s: ${output}`)), 30_000);
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        const match = /listening (\d+)/.exec(output);
        if (match?.[1] === undefined) return;
        clearTimeout(timer);
        resolve(Number(match[1]));
      };
      child!.stdout!.on('data', onData);
      child!.stderr!.on('data', onData);
    });
  });
  afterAll(() => {
    child?.kill('SIGTERM');
    fixtures?.cleanup();
  });

  const framing = async (path: string): Promise<unknown[]> => {
    const answer = await wireRequest(port, path);
    const field = (name: string): string | undefined => answer.headers.find(([n]) => n === name)?.[1];
    return [field('content-length'), field('transfer-encoding'), answer.body.length];
  };

  it('drops the Content-Length a handler sets on a ReadableStream body and sends it chunked', async () => {
    expect(await framing('/stream')).toEqual([undefined, 'chunked', 100_000]);
    expect(await framing('/byte-stream')).toEqual([undefined, 'chunked', 100_000]);
  });

  it('leaves a file slice out of a Blob composed with other parts (4 bytes instead of 100,000)', async () => {
    expect(await framing('/composed')).toEqual(['4', undefined, 4]);
  });

  it('sends a single file slice with its exact length', async () => {
    expect(await framing('/file-slice')).toEqual(['100000', undefined, 100_000]);
  });
});
