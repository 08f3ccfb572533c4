import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { ensureSamples, SAMPLE_FILES } from '../../examples/player/samples.js';
import { writeToneWav } from '../../examples/player/tone.js';
import { launchChromium, requireChromium } from './helpers/browser.js';
import type { E2eContext } from './helpers/player.js';

const SHORT_WAV = 'short.wav';
const H264_AAC = 'video/mp4; codecs="avc1.42E01E, mp4a.40.2"';
const VP8_OPUS = 'video/webm; codecs="vp8, opus"';

/**
 * Runs once before the e2e files: fails the whole run (never skips) when Chromium, curl or wget is
 * missing, generates the samples into a temp folder, and picks the video format this Chromium plays.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  requireChromium();
  for (const tool of ['curl', 'wget']) requireTool(tool);

  const mediaDir = mkdtempSync(join(tmpdir(), 'partial-content-e2e-media-'));
  const log = (message: string): void => console.log(`[e2e setup] ${message}`);
  const report = await ensureSamples(mediaDir, { toneSeconds: 180, videoSeconds: 60, ffmpegSamples: ['mp4'], log });
  await writeToneWav(join(mediaDir, SHORT_WAV), { seconds: 40 });

  const support = await probeCodecs();
  // E2E_VIDEO=webm or wav exercises a fallback on a machine that could play the MP4.
  const forced = process.env['E2E_VIDEO'];
  if (forced === 'webm') support.h264 = `(E2E_VIDEO=webm)`;
  if (forced === 'wav') support.h264 = support.webm = `(E2E_VIDEO=wav)`;
  let video: E2eContext['video'];
  if (report.created.includes(SAMPLE_FILES.mp4) && support.h264 === 'probably') {
    video = { file: SAMPLE_FILES.mp4, format: 'MP4 (H.264 + AAC), moov box at the end', reason: `canPlayType('${H264_AAC}') = probably` };
  } else {
    const webm = support.webm === 'probably' ? await ensureSamples(mediaDir, { videoSeconds: 60, ffmpegSamples: ['webm'], log }) : undefined;
    if (webm?.created.includes(SAMPLE_FILES.webm) === true) {
      video = {
        file: SAMPLE_FILES.webm,
        format: 'WebM (VP8 + Opus)',
        reason: `no playable H.264 MP4 (ffmpeg made it: ${report.created.includes(SAMPLE_FILES.mp4)}, canPlayType = '${support.h264}')`,
      };
    } else {
      video = {
        file: SAMPLE_FILES.wav,
        format: 'WAV (no ffmpeg-made video available)',
        reason: report.skipped.map((skip) => `${skip.file}: ${skip.reason}`).join('; ') || 'no playable video format',
      };
    }
  }
  log(`video test plays ${video.file}: ${video.format} (${video.reason})`);

  const context: E2eContext = { mediaDir, video, shortWav: SHORT_WAV };
  project.provide('e2e', context);
  return () => rmSync(mediaDir, { recursive: true, force: true });
}

function requireTool(tool: string): void {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore', timeout: 10_000 });
  } catch {
    throw new Error(`${tool} not found. The download-client tests need it; install it with:\n\n    sudo apt-get install -y ${tool}\n`);
  }
}

/** Asks this Chromium which video formats it plays (Debian's build may lack H.264/AAC). */
async function probeCodecs(): Promise<{ h264: string; webm: string }> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    return await page.evaluate(
      ([h264, webm]) => {
        const video = document.createElement('video');
        return { h264: video.canPlayType(h264), webm: video.canPlayType(webm) };
      },
      [H264_AAC, VP8_OPUS] as const,
    );
  } finally {
    await browser.close();
  }
}
