import { execFileSync } from 'node:child_process';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { partialContent, type ResponseEvent } from '../../src/index.js';
import { createFixtures, patterned, type Fixtures } from '../helpers/fixtures.js';
import { createApp, EXPRESS_MAJOR, listen, withSentinels, type Running } from '../helpers/server.js';
import { clientChecks, clientsInstalled, type Outcome } from './clients.js';
import { exampleEdgeConfig } from './example-config.js';
import { nginxAvailability, startNginxConfig, type RunningNginx } from '../helpers/nginx.js';

// examples/edge/nginx.conf in front of two app servers, round-robin, each with its own copy of the
// media: one client's slices come from both. Real clients (curl, wget, and ffprobe/ffmpeg seeking when
// installed, as in CI) must get exact bytes through the edge, first from an empty cache (cold), then
// from a full one (warm).

const MiB = 1024 * 1024;
const NAME = 'album.wav';

/** A 16-bit stereo 44.1 kHz PCM WAV whose samples are `pcm` (patterned bytes: noise, byte-checkable). */
function wav(pcm: Buffer): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(2, 22); // channels
  header.writeUInt32LE(44_100, 24);
  header.writeUInt32LE(44_100 * 4, 28); // bytes per second
  header.writeUInt16LE(4, 32); // bytes per frame
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36);
  header.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([header, pcm]);
}

// Five slices, the last one short; 23.8 s of audio for the ffmpeg checks.
const FILE = wav(patterned(4 * MiB + 12_344, 29));
/** Two passes of eleven client runs, on two busy cores. */
const TIMEOUT = 120_000;
const SLICE_ERRORS = /etag mismatch in slice response|invalid range in slice response|unexpected status code \d+ in slice response/g;

type Deployment = 'cp -a' | 'other mtime';
type EtagOption = true | 'content';

interface Pass {
  readonly outcomes: ReadonlyArray<{ readonly name: string; readonly outcome: Outcome }>;
  readonly sliceErrors: number;
  /** Slice requests each origin answered during the pass. */
  readonly perOrigin: readonly number[];
}

const mode = nginxAvailability('origins.test');

/** Two origins with their own copies, the example edge in front; `passes` runs every client twice. */
function scaledOut(deployment: Deployment, etag: EtagOption) {
  let fixtures: Fixtures;
  const apps: Running[] = [];
  const events: ResponseEvent[][] = [[], []];
  let edge: RunningNginx;
  let firstRoot = '';

  beforeAll(async () => {
    fixtures = createFixtures();
    const first = (firstRoot = join(fixtures.root, 'one'));
    mkdirSync(first);
    writeFileSync(join(first, NAME), FILE);
    utimesSync(join(first, NAME), new Date('2025-03-01T10:00:00.123456Z'), new Date('2025-03-01T10:00:00.123456Z'));
    // The second server's copy, deployed as the README says: cp -a keeps size and mtime.
    const second = join(fixtures.root, 'two');
    execFileSync('cp', ['-a', first, second]);
    if (deployment === 'other mtime') utimesSync(join(second, NAME), new Date('2025-03-02T08:00:00Z'), new Date('2025-03-02T08:00:00Z'));
    for (const [index, root] of [first, second].entries()) {
      const app = createApp();
      app.use('/tracks', partialContent(root, { maxAge: '1h', etag, onResponse: (event) => events[index]?.push(event) }));
      withSentinels(app);
      apps.push(await listen(app));
    }
    edge = await startNginxConfig(exampleEdgeConfig(apps.map((app) => app.port)));
  });

  afterAll(async () => {
    await edge?.stop();
    for (const app of apps) await app.close();
    fixtures?.cleanup();
  });

  return async function pass(label: string): Promise<Pass> {
    const before = events.map((list) => list.length);
    const errorsBefore = edge.errorLog().match(SLICE_ERRORS)?.length ?? 0;
    const outcomes = [];
    for (const check of clientChecks(FILE.length)) outcomes.push({ name: check.name, outcome: await check.run(`${edge.url}/tracks/${NAME}`, FILE, join(firstRoot, NAME)) });
    // A cut slice subrequest is logged as the edge gives up; let the log catch up before counting.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const result = {
      outcomes,
      sliceErrors: (edge.errorLog().match(SLICE_ERRORS)?.length ?? 0) - errorsBefore,
      perOrigin: events.map((list, index) => list.length - (before[index] ?? 0)),
    };
    const exact = outcomes.filter(({ outcome }) => outcome.kind === 'exact').length;
    console.log(
      `[origins, express ${EXPRESS_MAJOR}] ${deployment}, etag ${String(etag)}, ${label}: ${exact}/${outcomes.length} exact, ` +
        `${outcomes.length - exact} cut or wrong, ${result.sliceErrors} slice errors, slices from the origins: ${result.perOrigin.join(' + ')}`,
    );
    return result;
  };
}

const failures = (pass: Pass) => pass.outcomes.filter(({ outcome }) => outcome.kind !== 'exact');

if (mode === 'fail' || (mode === 'run' && !clientsInstalled && process.env['CI'])) {
  it('nginx, curl and wget are installed (CI installs them with apt-get)', () => {
    expect.fail('/usr/sbin/nginx, curl or wget is missing in CI: .ci/run should have installed them');
  });
}

const runnable = mode === 'run' && clientsInstalled;

// Deployments the edge serves exactly, cold (from the origins) and warm (from its cache).
const EXACT_DEPLOYMENTS: ReadonlyArray<{ title: string; deployment: Deployment; etag: EtagOption; warmFromCache: boolean }> = [
  {
    title: 'two origins behind the slice edge, copies made with cp -a, default ETag (size + mtime)',
    deployment: 'cp -a',
    etag: true,
    warmFromCache: true,
  },
  { title: "two origins, copies with different mtimes, etag: 'content'", deployment: 'other mtime', etag: 'content', warmFromCache: false },
];

for (const { title, deployment, etag, warmFromCache } of EXACT_DEPLOYMENTS) {
  describe.skipIf(!runnable)(title, () => {
    const pass = scaledOut(deployment, etag);

    it('cold and warm: every client exact, no slice error; both origins served slices', async () => {
      for (const label of ['cold', 'warm'] as const) {
        const result = await pass(label);
        expect(failures(result)).toEqual([]);
        expect(result.sliceErrors).toBe(0);
        if (label === 'cold') expect(result.perOrigin.every((count) => count > 0)).toBe(true);
        else if (warmFromCache) expect(result.perOrigin).toEqual([0, 0]); // all from the cache
      }
    }, TIMEOUT);
  });
}

describe.skipIf(!runnable)('two origins, copies with different mtimes, default ETag: what goes wrong', () => {
  const pass = scaledOut('other mtime', true);

  it('the edge refuses to stitch slices with different ETags: responses are cut, never spliced or padded', async () => {
    for (const label of ['cold', 'warm']) {
      const result = await pass(label);
      // Every response is either exact or stops after exact bytes; no client ever reports success
      // with other bytes.
      expect(result.outcomes.filter(({ outcome }) => outcome.kind === 'wrong')).toEqual([]);
      if (label === 'cold') {
        expect(failures(result).length).toBeGreaterThan(0);
        expect(result.sliceErrors).toBeGreaterThan(0);
      }
    }
  }, TIMEOUT);
});
