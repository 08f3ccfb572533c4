import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CapScope } from 'partial-content';
import { afterEach, describe, expect, it } from 'vitest';
import { SAMPLE_FILES } from '../../examples/player/samples.js';
import { e2eContext, startPlayer } from './helpers/player.js';

const CAP = 2 * 1024 * 1024;
// Loopback only: no proxy may be involved, whatever the environment says.
const ENV = { ...process.env, http_proxy: '', HTTP_PROXY: '', https_proxy: '', HTTPS_PROXY: '', no_proxy: '*', NO_PROXY: '*' };

interface Run {
  readonly code: number;
  readonly stderr: string;
}

function run(command: string, args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env: ENV, timeout: 60_000, killSignal: 'SIGKILL' }, (error, _stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stderr });
    });
  });
}

const clients: Record<'curl' | 'wget', (url: string) => string[]> = {
  // -q first: ignore ~/.curlrc. -C -: resume from the size of the file already on disk.
  curl: (url) => ['-q', '--silent', '--show-error', '--fail', '--noproxy', '*', '-C', '-', '-o', SAMPLE_FILES.wav, url],
  wget: (url) => ['--no-config', '--quiet', '--no-proxy', '-c', url],
};

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** A folder holding the first half of tone.wav, as an interrupted download leaves it. */
function halfDownloaded(): { dir: string; partial: string; original: string; size: number; half: number } {
  const original = join(e2eContext().mediaDir, SAMPLE_FILES.wav);
  const bytes = readFileSync(original);
  const half = Math.floor(bytes.length / 2);
  const dir = mkdtempSync(join(tmpdir(), 'partial-content-download-'));
  folders.push(dir);
  const partial = join(dir, SAMPLE_FILES.wav);
  writeFileSync(partial, bytes.subarray(0, half));
  return { dir, partial, original, size: bytes.length, half };
}

async function resume(client: 'curl' | 'wget', capScope?: CapScope) {
  const download = halfDownloaded();
  const player = await startPlayer(capScope === undefined ? {} : { capScope });
  try {
    const result = await run(client, clients[client](`${player.url}/media/${SAMPLE_FILES.wav}`), download.dir);
    await player.settled();
    return { ...download, result, events: player.mediaEvents(SAMPLE_FILES.wav) };
  } finally {
    await player.close();
  }
}

describe('download clients resume a half-downloaded file', () => {
  it.each(['curl', 'wget'] as const)('%s resumes with bytes=N- and gets the whole rest: same sha256 as the original', async (client) => {
    const { partial, original, size, half, result, events } = await resume(client);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(statSync(partial).size).toBe(size);
    expect(sha256(partial)).toBe(sha256(original));
    // One request, for the missing half, answered in full: no cap for a client that is not a media element.
    expect(events.map((event) => [event.rangeHeader, event.status, event.ranges, event.bytesWritten, event.aborted])).toEqual([
      [`bytes=${half}-`, 206, [{ start: half, end: size - 1 }], size - half, false],
    ]);
  });

  it.each(['curl', 'wget'] as const)("is why the cap's default scope is 'media': with capScope 'all', %s exits 0 with a truncated file", async (client) => {
    const { partial, original, half, result, events } = await resume(client, 'all');
    expect(result.code).toBe(0);
    expect(events[0]?.ranges).toEqual([{ start: half, end: half + CAP - 1 }]);
    expect(statSync(partial).size).toBe(half + CAP);
    expect(sha256(partial)).not.toBe(sha256(original));
  });
});
