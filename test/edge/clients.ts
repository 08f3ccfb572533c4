import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Real download clients run against the edge, each judged on the bytes it left on disk.

/** What a client got: the exact bytes, a transfer cut short after exact bytes, or anything else. */
export type Outcome = { readonly kind: 'exact' } | { readonly kind: 'cut'; readonly bytes: number } | { readonly kind: 'wrong'; readonly detail: string };

export interface ClientCheck {
  readonly name: string;
  /** `file` is what the edge serves at `url`; `path` holds the same bytes on disk (an oracle's input). */
  run(url: string, file: Buffer, path: string): Promise<Outcome>;
}

// Loopback only: no proxy may be involved, whatever the environment says.
const ENV = { ...process.env, http_proxy: '', HTTP_PROXY: '', https_proxy: '', HTTPS_PROXY: '', no_proxy: '*', NO_PROXY: '*' };

export const clientsInstalled = ['/usr/bin/curl', '/usr/bin/wget'].every((path) => existsSync(path));
/** ffmpeg seeks in the media it reads over HTTP with open-ended ranges; CI installs it. */
export const ffmpegInstalled = ['/usr/bin/ffmpeg', '/usr/bin/ffprobe'].every((path) => existsSync(path));

function run(command: string, args: readonly string[], cwd: string): Promise<{ code: number; stderr: string; stdout: Buffer }> {
  return new Promise((resolve) => {
    const options = { cwd, env: ENV, timeout: 30_000, killSignal: 'SIGKILL' as const, encoding: 'buffer' as const, maxBuffer: 64 * 1024 * 1024 };
    execFile(command, args, options, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : -1, stderr: stderr.toString(), stdout });
    });
  });
}

/**
 * ffmpeg decoding `seconds` of audio from `at` seconds in (or ffprobe's description of the file),
 * through the edge and, as the oracle, from the file on disk: the outputs must be equal.
 */
function ffmpeg(kind: 'probe' | 'seek', at = 0, seconds = 0): ClientCheck {
  const args = (input: string): [string, string[]] =>
    kind === 'probe'
      ? ['ffprobe', ['-v', 'error', '-show_entries', 'format=duration,size:stream=codec_name,sample_rate,channels', '-of', 'json', input]]
      : ['ffmpeg', ['-nostdin', '-v', 'error', '-ss', String(at), '-i', input, '-t', String(seconds), '-f', 's16le', '-']];
  return {
    name: kind === 'probe' ? 'ffprobe' : `ffmpeg -ss ${at} -t ${seconds}`,
    async run(url, _file, path) {
      const dir = tmpdir();
      const [viaEdge, oracle] = [await run(...args(url), dir), await run(...args(path), dir)];
      if (oracle.code !== 0 || oracle.stdout.length === 0) return { kind: 'wrong', detail: `oracle failed: ${oracle.stderr.trim()}` };
      if (viaEdge.code === 0 && viaEdge.stdout.equals(oracle.stdout)) return { kind: 'exact' };
      // ffmpeg reports a cut connection as an I/O error; its output then stops early.
      if (viaEdge.code !== 0 && oracle.stdout.subarray(0, viaEdge.stdout.length).equals(viaEdge.stdout)) return { kind: 'cut', bytes: viaEdge.stdout.length };
      return { kind: 'wrong', detail: `${kind} exit ${viaEdge.code}, ${viaEdge.stdout.length} of ${oracle.stdout.length} bytes: ${viaEdge.stderr.trim()}` };
    },
  };
}

/** Judges what a client left in `path` against `expected`, given whether it reported success. */
function judge(succeeded: boolean, got: Buffer, expected: Buffer, detail: string): Outcome {
  if (succeeded && got.equals(expected)) return { kind: 'exact' };
  if (!succeeded && got.length < expected.length && got.equals(expected.subarray(0, got.length))) return { kind: 'cut', bytes: got.length };
  return { kind: 'wrong', detail: `${detail}; ${got.length} of ${expected.length} bytes, exact prefix: ${got.equals(expected.subarray(0, got.length))}` };
}

/** Runs `client` in a fresh folder that holds `partial` (the start of a download) as `name`. */
async function inFolder(name: string, partial: Buffer | undefined, client: (dir: string) => Promise<{ code: number; stderr: string }>) {
  const dir = mkdtempSync(join(tmpdir(), 'partial-content-edge-client-'));
  try {
    if (partial !== undefined) writeFileSync(join(dir, name), partial);
    const result = await client(dir);
    const path = join(dir, name);
    return { ...result, got: existsSync(path) ? readFileSync(path) : Buffer.alloc(0) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `curl -r first-last` (or the whole file): exit 0 with exactly those bytes. */
function curlRange(range: [number, number] | 'suffix-5000' | 'whole'): ClientCheck {
  const label = range === 'whole' ? 'the whole file' : range === 'suffix-5000' ? '-5000' : `${range[0]}-${range[1]}`;
  return {
    name: `curl -r ${label}`,
    async run(url, file) {
      const args = ['-q', '--silent', '--show-error', '--fail', '-o', 'out'];
      if (range !== 'whole') args.push('-r', range === 'suffix-5000' ? '-5000' : `${range[0]}-${range[1]}`);
      const { code, stderr, got } = await inFolder('out', undefined, (dir) => run('curl', [...args, url], dir));
      const expected = range === 'whole' ? file : range === 'suffix-5000' ? file.subarray(file.length - 5000) : file.subarray(range[0], range[1] + 1);
      return judge(code === 0, got, expected, `curl exit ${code} ${stderr.trim()}`);
    },
  };
}

/** A download interrupted after `fraction` of the file, resumed by `curl -C -` or `wget -c`. */
function resume(client: 'curl' | 'wget', fraction: number): ClientCheck {
  return {
    name: `${client} ${client === 'curl' ? '-C -' : '-c'} from ${Math.round(fraction * 100)}%`,
    async run(url, file) {
      const name = url.slice(url.lastIndexOf('/') + 1);
      const partial = file.subarray(0, Math.floor(file.length * fraction));
      const args =
        client === 'curl'
          ? ['-q', '--silent', '--show-error', '--fail', '-C', '-', '-o', name, url]
          : ['--no-config', '--quiet', '--tries=1', '-c', url]; // one try: a cut stays visible
      const { code, stderr, got } = await inFolder(name, partial, (dir) => run(client, args, dir));
      return judge(code === 0, got, file, `${client} exit ${code} ${stderr.trim()}`);
    },
  };
}

/** node:http GET of a range with `If-Range` set to the ETag a HEAD through the edge gave. */
const ifRange: ClientCheck = {
  name: 'If-Range with the edge’s ETag',
  async run(url, file) {
    const etag = (await fetchLoose(url, { method: 'HEAD' })).etag ?? '';
    const start = Math.floor(file.length / 3);
    const end = start + 1_500_000;
    const res = await fetchLoose(url, { headers: { range: `bytes=${start}-${end}`, 'if-range': etag } });
    if (res.status !== 206) return { kind: 'wrong', detail: `status ${res.status} for If-Range ${etag}` };
    return judge(res.complete, res.body, file.subarray(start, end + 1), `If-Range ${etag}`);
  },
};

function fetchLoose(url: string, options: { method?: string; headers?: Record<string, string> }) {
  return new Promise<{ status: number; etag: string | undefined; body: Buffer; complete: boolean }>((resolve) => {
    const req = request(url, { ...options, agent: false, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', () => undefined);
      res.on('close', () => resolve({ status: res.statusCode ?? 0, etag: res.headers.etag, body: Buffer.concat(chunks), complete: res.complete }));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ status: 0, etag: undefined, body: Buffer.alloc(0), complete: false }));
    req.end();
  });
}

/**
 * The checks of one pass; `size` is the file's, for ranges placed across slice boundaries (1 MiB).
 * With ffmpeg installed, the file must be a WAV of at least 20 s (ffmpeg's checks decode it).
 */
export function clientChecks(size: number): ClientCheck[] {
  const MiB = 1024 * 1024;
  const media = ffmpegInstalled ? [ffmpeg('probe'), ffmpeg('seek', 5.5, 1), ffmpeg('seek', 17, 3)] : [];
  return [
    curlRange([100, 199]),
    curlRange([MiB - 1000, MiB + 1000]),
    curlRange([500_000, 3 * MiB + 10]),
    curlRange([size - 2 * MiB, size - 1]),
    curlRange('suffix-5000'),
    curlRange('whole'),
    resume('curl', 0.3),
    resume('curl', 0.55),
    resume('wget', 0.2),
    resume('wget', 0.7),
    ifRange,
    ...media,
  ];
}
