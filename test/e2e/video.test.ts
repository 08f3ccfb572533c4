import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { ResponseEvent } from 'partial-content';
import { describe, expect, it } from 'vitest';
import { moovAtEnd, topLevelBoxes, type Mp4Box } from '../../examples/player/mp4-boxes.js';
import { useChromium } from './helpers/use-chromium.js';
import {
  contentRangeOf,
  describeExchanges,
  requestedStart,
  seekAndWait,
  waitForMetadata,
  waitForTime,
} from './helpers/media.js';
import { e2eContext, startPlayer } from './helpers/player.js';

const DEFAULT_CAP = 2 * 1024 * 1024;

const browser = useChromium();

describe('video element in Chromium', () => {
  const { video, mediaDir } = e2eContext();

  it(`loads, plays and seeks ${video.file} (${video.format})`, async () => {
    console.log(`Video test format: ${video.file}, ${video.format} — ${video.reason}`);
    const path = join(mediaDir, video.file);
    const size = statSync(path).size;
    const isMp4 = video.file.endsWith('.mp4');
    const isVideo = !video.file.endsWith('.wav');

    let moov: Mp4Box | undefined;
    if (isMp4) {
      const boxes = await topLevelBoxes(path);
      expect(boxes.reduce((total, box) => total + box.size, 0)).toBe(size);
      expect(moovAtEnd(boxes)).toBe(true);
      moov = boxes.find((box) => box.type === 'moov');
      // The first (capped) answer cannot hold the index: the browser has to ask for the tail.
      expect(moov?.start).toBeGreaterThan(DEFAULT_CAP);
    }

    const player = await startPlayer();
    const page = await browser.newPage();
    try {
      await page.goto(`${player.url}/?file=${encodeURIComponent(video.file)}`);
      const metadata = await waitForMetadata(page);
      expect(metadata.duration).toBeGreaterThan(30);

      if (moov !== undefined) {
        // Before it knew the duration, Chromium fetched the moov box at the end with a Range request.
        const box = moov;
        const tail = player.mediaEvents(video.file).find((event) => {
          const [range] = event.ranges;
          return event.status === 206 && range !== undefined && range.start > DEFAULT_CAP &&
            range.start <= box.start && range.end >= box.start + box.size - 1;
        });
        expect(tail).toBeDefined();
        const start = requestedStart(tail as ResponseEvent);
        expect(contentRangeOf(tail as ResponseEvent)).toBe(`bytes ${start}-${size - 1}/${size}`);
      }

      await page.click('.play');
      await waitForTime(page, 0.5);
      const framesBefore = isVideo ? await decodedFrames(page) : 0;
      const target = 0.6 * metadata.duration;
      const seekedAt = await seekAndWait(page, target);
      expect(Math.abs(seekedAt - target)).toBeLessThan(0.5);
      const playing = await waitForTime(page, target + 1.5);
      await page.evaluate(() => document.querySelector<HTMLMediaElement>('#media')?.pause());
      const dimensions = await page.evaluate(() => {
        const element = document.querySelector<HTMLVideoElement>('video#media');
        return [element?.videoWidth, element?.videoHeight];
      });
      const framesAfter = isVideo ? await decodedFrames(page) : 0;
      // Closing the page ends the responses still streaming, so each one has been reported.
      await page.close();
      await player.settled();

      expect(playing.error).toBeNull();
      expect(playing.buffered.some(([from, to]) => from <= target && target <= to)).toBe(true);
      if (isVideo) {
        expect(dimensions).toEqual([480, 270]);
        expect(framesAfter).toBeGreaterThan(framesBefore);
      }

      const events = player.mediaEvents(video.file);
      console.log(describeExchanges(`Range requests Chromium made for ${video.file} (${size} B, moov at ${moov?.start ?? 'n/a'}):`, events));
      // The first, open-ended request was capped; the browser then asked for more, several times.
      expect(contentRangeOf(events[0] as ResponseEvent)).toBe(`bytes 0-${Math.min(DEFAULT_CAP, size) - 1}/${size}`);
      expect(events.filter((event) => event.status === 206).length).toBeGreaterThanOrEqual(3);
      const far = events.filter((event) => event.status === 206 && (requestedStart(event) ?? 0) > size / 2);
      expect(far.length).toBeGreaterThanOrEqual(1);
      for (const event of far) expect(event.ranges[0]?.start).toBe(requestedStart(event));
    } finally {
      await page.close();
      await player.close();
    }
  });
});

function decodedFrames(page: import('playwright-core').Page): Promise<number> {
  return page.evaluate(() => document.querySelector<HTMLVideoElement>('video#media')?.getVideoPlaybackQuality().totalVideoFrames ?? 0);
}
