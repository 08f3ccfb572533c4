import { execFile } from 'node:child_process';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { moovAtEnd, topLevelBoxes } from './mp4-boxes.js';
import { writeToneWav } from './tone.js';

/** What ffmpeg can add next to the WAV. */
export type FfmpegSample = 'mp3' | 'mp4' | 'webm';

/** File names of the generated samples, inside the media folder. */
export const SAMPLE_FILES = {
  wav: 'tone.wav',
  mp3: 'tone.mp3',
  /** H.264 + AAC, `moov` box at the end (ffmpeg's default without `-movflags +faststart`). */
  mp4: 'clip.mp4',
  /** VP8 + Opus. */
  webm: 'clip.webm',
} as const;

export interface SampleOptions {
  /** Length of the WAV (and the MP3 made from it), in seconds. @default 180 */
  readonly toneSeconds?: number;
  /** Length of the MP4 and WebM, in seconds. @default 120 */
  readonly videoSeconds?: number;
  /** Which ffmpeg samples to make when ffmpeg is installed. @default ['mp3', 'mp4', 'webm'] */
  readonly ffmpegSamples?: readonly FfmpegSample[];
  /** The ffmpeg command, or `false` to make the WAV only. @default process.env.FFMPEG ?? 'ffmpeg' */
  readonly ffmpeg?: string | false;
  /** Progress messages. @default no output */
  readonly log?: (message: string) => void;
  /** Stops a running ffmpeg (its partial output is removed). */
  readonly signal?: AbortSignal;
}

export interface SampleReport {
  /** Files written now. */
  readonly created: string[];
  /** Files that were already there (generation is idempotent). */
  readonly existing: string[];
  /** Files not made, with the reason (no ffmpeg, an encoder missing …). */
  readonly skipped: { readonly file: string; readonly reason: string }[];
}

/** ffmpeg gets this long per file; a 2-minute clip takes seconds on a laptop. */
const FFMPEG_TIMEOUT_MS = 5 * 60 * 1000;

/**
 * Makes sure the media folder holds the demo files: a WAV written in plain JavaScript always, and an
 * MP3, an MP4 (with its `moov` index at the end, so a browser must fetch the tail with a range
 * request) and a WebM when ffmpeg is installed. Files already present are left alone; a missing or
 * failing ffmpeg is reported, never thrown.
 */
export async function ensureSamples(mediaDir: string, options: SampleOptions = {}): Promise<SampleReport> {
  const log = options.log ?? (() => undefined);
  const toneSeconds = options.toneSeconds ?? 180;
  const videoSeconds = options.videoSeconds ?? 120;
  const report: SampleReport = { created: [], existing: [], skipped: [] };
  await mkdir(mediaDir, { recursive: true });
  // Leftovers of an interrupted run (hidden, so never listed or served) end in `.<pid>.partial`;
  // those of a process still running are its work in progress.
  for (const name of await readdir(mediaDir)) {
    const pid = /^\..+\.(\d+)\.partial$/.exec(name)?.[1];
    if (pid !== undefined && !isRunning(Number(pid))) await rm(join(mediaDir, name), { force: true });
  }

  const wav = join(mediaDir, SAMPLE_FILES.wav);
  if (await exists(wav)) {
    report.existing.push(SAMPLE_FILES.wav);
  } else {
    const started = performance.now();
    await writeToneWav(wav, { seconds: toneSeconds });
    report.created.push(SAMPLE_FILES.wav);
    log(`wrote ${SAMPLE_FILES.wav} (${toneSeconds} s) in ${seconds(started)}`);
  }

  const missing: FfmpegSample[] = [];
  for (const kind of options.ffmpegSamples ?? ['mp3', 'mp4', 'webm']) {
    if (await exists(join(mediaDir, SAMPLE_FILES[kind]))) report.existing.push(SAMPLE_FILES[kind]);
    else missing.push(kind);
  }
  if (missing.length === 0) return report;

  const ffmpeg = options.ffmpeg ?? process.env['FFMPEG'] ?? 'ffmpeg';
  const unavailable = ffmpeg === false ? 'ffmpeg disabled' : await ffmpegProblem(ffmpeg);
  if (ffmpeg === false || unavailable !== undefined) {
    for (const kind of missing) report.skipped.push({ file: SAMPLE_FILES[kind], reason: unavailable ?? 'ffmpeg disabled' });
    log(`${unavailable}: only ${SAMPLE_FILES.wav} is available (install ffmpeg for MP3, MP4 and WebM samples)`);
    return report;
  }

  for (const kind of missing) {
    const file = SAMPLE_FILES[kind];
    const started = performance.now();
    try {
      if (options.signal?.aborted === true) break;
      await encode(ffmpeg, kind, mediaDir, wav, videoSeconds, options.signal);
      report.created.push(file);
      let note = '';
      if (kind === 'mp4') {
        const boxes = await topLevelBoxes(join(mediaDir, file));
        note = moovAtEnd(boxes) ? ', moov box at the end' : ', WARNING: moov box is not at the end';
      }
      log(`wrote ${file} in ${seconds(started)}${note}`);
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] ?? error.message : String(error);
      report.skipped.push({ file, reason });
      log(`could not make ${file}: ${reason}`);
    }
  }
  return report;
}

function encode(
  ffmpeg: string,
  kind: FfmpegSample,
  mediaDir: string,
  wav: string,
  videoSeconds: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  // testsrc draws colour bars and a big seconds counter, so a seek is visible on screen.
  const picture = ['-f', 'lavfi', '-i', `testsrc=size=480x270:rate=15:duration=${videoSeconds}`];
  const video = ['-map', '0:v', '-map', '1:a', '-t', String(videoSeconds), '-g', '30', '-b:v', '500k'];
  const args: Record<FfmpegSample, string[]> = {
    mp3: ['-i', wav, '-c:a', 'libmp3lame', '-b:a', '128k', '-f', 'mp3'],
    // No `-movflags +faststart`: ffmpeg then writes `moov` after `mdat`, the case that needs a tail request.
    mp4: [...picture, '-i', wav, ...video, '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p',
      '-c:a', 'aac', '-b:a', '96k', '-f', 'mp4'],
    webm: [...picture, '-i', wav, ...video, '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '16',
      '-c:a', 'libopus', '-b:a', '96k', '-f', 'webm'],
  };
  const target = join(mediaDir, SAMPLE_FILES[kind]);
  // A dotfile while it is being written: the player neither lists nor serves it.
  const temporary = join(mediaDir, `.${SAMPLE_FILES[kind]}.${process.pid}.partial`);
  return run(ffmpeg, ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args[kind], temporary], signal).then(
    () => rename(temporary, target),
    async (error: unknown) => {
      await rm(temporary, { force: true });
      throw error;
    },
  );
}

/** Why ffmpeg cannot be used, or `undefined` when it runs. */
async function ffmpegProblem(ffmpeg: string): Promise<string | undefined> {
  try {
    await run(ffmpeg, ['-hide_banner', '-version']);
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? `${ffmpeg} not found` : `${ffmpeg} does not run`;
  }
}

function run(command: string, args: readonly string[], signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const options = { timeout: FFMPEG_TIMEOUT_MS, killSignal: 'SIGKILL' as const, maxBuffer: 1024 * 1024, ...(signal && { signal }) };
    execFile(command, args, options, (error, _stdout, stderr) => {
      if (error === null) resolve();
      else reject(Object.assign(new Error(`${command} failed: ${stderr.trim() || error.message}`), { code: error.code, cause: error }));
    });
  });
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: an existence check, nothing is sent
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function seconds(started: number): string {
  return `${((performance.now() - started) / 1000).toFixed(1)} s`;
}
