import { request } from 'node:http';
import { DONE_LUA } from './wrk.js';
import { expectedBytes, MANY_COUNT, MANY_SIZE, manyUrl, type FileSpec, type Fixtures } from './fixtures.js';

export type ScenarioId = 'range64k' | 'range2m' | 'whole1m' | 'many' | 'notModified';

/** One request of a scenario and what a correct server answers. */
export interface Sample {
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly status: 200 | 206 | 304;
  /** The body: which bytes of which file (absent for 304). */
  readonly body?: { readonly spec: FileSpec; readonly start: number; readonly end: number };
}

export interface Scenario {
  readonly id: ScenarioId;
  readonly title: string;
  /** Body bytes of every response, for the load run's bytes-per-response check. */
  readonly bodyBytes: number;
  /** The URL wrk is given (scripts may replace the path per request). */
  readonly path: string;
  /** Whether the script needs the server's entity tag for the file. */
  readonly needsEtag: boolean;
  lua(context: { etag: string | undefined; seed: number }): string;
  samples(count: number, etag: string | undefined): Sample[];
}

function rangeScenario(id: ScenarioId, title: string, spec: FileSpec, length: number): Scenario {
  const sample = (start: number): Sample => ({
    path: spec.url,
    headers: { Range: `bytes=${start}-${start + length - 1}` },
    status: 206,
    body: { spec, start, end: start + length - 1 },
  });
  return {
    id,
    title,
    bodyBytes: length,
    path: spec.url,
    needsEtag: false,
    lua: ({ seed }) => `
math.randomseed(${seed})
local size, len, path = ${spec.size}, ${length}, "${spec.url}"
request = function()
  local s = math.random(0, size - len)
  return wrk.format(nil, path, { ["Range"] = "bytes=" .. s .. "-" .. (s + len - 1) })
end
${DONE_LUA}`,
    samples: (count) => {
      const samples = [sample(0), sample(spec.size - length)];
      for (let i = 2; i < count; i++) samples.push(sample(Math.floor(Math.random() * (spec.size - length + 1))));
      return samples;
    },
  };
}

export function scenarios(fixtures: Fixtures): Scenario[] {
  const whole = (spec: FileSpec): Sample => ({ path: spec.url, headers: {}, status: 200, body: { spec, start: 0, end: spec.size - 1 } });
  return [
    rangeScenario('range64k', '64 KiB random ranges of a 64 MiB file', fixtures.r64m, 64 * 1024),
    rangeScenario('range2m', '2 MiB random ranges of a 1 GiB file', fixtures.r1g, 2 * 1024 * 1024),
    {
      id: 'whole1m',
      title: 'whole 1 MiB file (200)',
      bodyBytes: fixtures.whole1m.size,
      path: fixtures.whole1m.url,
      needsEtag: false,
      lua: () => DONE_LUA,
      samples: (count) => Array.from({ length: count }, () => whole(fixtures.whole1m)),
    },
    {
      id: 'many',
      title: `a random file among ${MANY_COUNT} files of ${MANY_SIZE / 1024} KiB (200)`,
      bodyBytes: MANY_SIZE,
      path: manyUrl(0),
      needsEtag: false,
      lua: ({ seed }) => `
math.randomseed(${seed})
request = function()
  return wrk.format(nil, string.format("/many/f%03d.bin", math.random(0, ${MANY_COUNT - 1})))
end
${DONE_LUA}`,
      samples: (count) => {
        const picks = [0, MANY_COUNT - 1];
        for (let i = 2; i < count; i++) picks.push(Math.floor(Math.random() * MANY_COUNT));
        return picks.map((index) => whole(fixtures.many[index] as FileSpec));
      },
    },
    {
      id: 'notModified',
      title: 'conditional GET answered 304 (If-None-Match, 1 MiB file)',
      bodyBytes: 0,
      path: fixtures.whole1m.url,
      needsEtag: true,
      lua: ({ etag }) => `
wrk.headers["If-None-Match"] = ${luaString(etag ?? '')}
${DONE_LUA}`,
      samples: (count, etag) =>
        Array.from({ length: count }, () => ({ path: fixtures.whole1m.url, headers: { 'If-None-Match': etag ?? '' }, status: 304 as const })),
    },
  ];
}

function luaString(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export interface Fetched {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
}

/** One request on a fresh connection; the body is capped at `limit` bytes (then the socket is cut). */
export function fetch(port: number, path: string, headers: Readonly<Record<string, string>> = {}, limit = 64 * 1024 * 1024): Promise<Fetched> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent: false, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      let length = 0;
      res.on('data', (chunk: Buffer) => {
        length += chunk.length;
        if (length > limit) {
          req.destroy(new Error(`${path}: body longer than ${limit} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.once('error', reject);
    });
    req.once('timeout', () => req.destroy(new Error(`${path}: no answer within 10 s`)));
    req.once('error', reject);
    req.end();
  });
}

/** Checks one sample against a server; returns a description of what is wrong, or undefined. */
export async function checkSample(port: number, sample: Sample): Promise<string | undefined> {
  const limit = sample.body === undefined ? 1024 * 1024 : sample.body.end - sample.body.start + 1 + 1024 * 1024;
  let got: Fetched;
  try {
    got = await fetch(port, sample.path, sample.headers, limit);
  } catch (error) {
    return `${sample.path}: ${String(error)}`;
  }
  const where = `${sample.path} ${JSON.stringify(sample.headers)}`;
  if (got.status !== sample.status) return `${where}: status ${got.status}, expected ${sample.status}`;
  if (sample.body === undefined) {
    if (got.body.length !== 0) return `${where}: ${got.body.length} body bytes on a ${got.status}`;
    return undefined;
  }
  const { spec, start, end } = sample.body;
  const length = end - start + 1;
  if (got.headers['content-length'] !== String(length)) {
    return `${where}: Content-Length ${String(got.headers['content-length'])}, expected ${length}`;
  }
  if (sample.status === 206 && got.headers['content-range'] !== `bytes ${start}-${end}/${spec.size}`) {
    return `${where}: Content-Range ${String(got.headers['content-range'])}`;
  }
  if (!got.body.equals(expectedBytes(spec, start, end))) return `${where}: body bytes differ from the file`;
  return undefined;
}
