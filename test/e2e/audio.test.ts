import { statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { PartialContentOptions, ResponseEvent } from 'partial-content';
import { describe, expect, it } from 'vitest';
import { WAV_HEADER_BYTES, wavByteRate } from '../../examples/player/tone.js';
import { useChromium } from './helpers/use-chromium.js';
import {
  contentRangeOf,
  describeExchanges,
  mediaState,
  openEndedStart,
  recordPageExchanges,
  requestedStart,
  seekAndWait,
  waitForMetadata,
  waitForTime,
} from './helpers/media.js';
import { e2eContext, startPlayer } from './helpers/player.js';

const DEFAULT_CAP = 2 * 1024 * 1024;

const browser = useChromium();

/** Open-ended requests that got a short answer: exactly `cap` bytes, not reaching the last byte. */
function cappedAnswers(events: readonly ResponseEvent[], cap: number, size: number): ResponseEvent[] {
  return events.filter((event) => {
    const [range] = event.ranges;
    return event.status === 206 && openEndedStart(event) !== undefined && range !== undefined &&
      range.end - range.start + 1 === cap && range.end < size - 1;
  });
}

/** Sorted, merged byte intervals that 206/200 responses actually delivered. */
function deliveredBytes(events: readonly ResponseEvent[], size: number): [number, number][] {
  const pieces: [number, number][] = [];
  for (const event of events) {
    if (event.status === 200 && event.bytesWritten > 0) pieces.push([0, event.bytesWritten - 1]);
    const [range] = event.ranges;
    if (event.status === 206 && range !== undefined && event.bytesWritten > 0) {
      pieces.push([range.start, Math.min(range.end, range.start + event.bytesWritten - 1, size - 1)]);
    }
  }
  pieces.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const piece of pieces) {
    const last = merged[merged.length - 1];
    if (last !== undefined && piece[0] <= last[1] + 1) last[1] = Math.max(last[1], piece[1]);
    else merged.push([...piece]);
  }
  return merged;
}

describe('audio element in Chromium', () => {
  it('seeks to 60% of a 3-minute WAV: a far Range request answered 206 with its Content-Range, and playback goes on', async () => {
    const file = 'tone.wav';
    const size = statSync(join(e2eContext().mediaDir, file)).size;
    const player = await startPlayer();
    const page = await browser.newPage();
    try {
      const pageView = recordPageExchanges(page);
      await page.goto(`${player.url}/?file=${file}`);
      const metadata = await waitForMetadata(page);
      expect(metadata.duration).toBeCloseTo(180, 1);

      await page.click('.play');
      await waitForTime(page, 0.5);
      const beforeSeek = player.mediaEvents(file).length;
      const target = 0.6 * metadata.duration;
      const seekedAt = await seekAndWait(page, target);
      expect(Math.abs(seekedAt - target)).toBeLessThan(0.1);
      const playing = await waitForTime(page, target + 1.5);
      // Closing the page ends the responses still streaming, so each one has been reported.
      await page.close();
      await player.settled();

      const events = player.mediaEvents(file);
      console.log(describeExchanges(`Range requests Chromium made for ${file} (${size} B, default 2 MiB cap; seek to ${target.toFixed(1)} s after #${beforeSeek}):`, events));
      console.log(`  page view (after Chromium's HTTP cache): ${pageView.map((x) => `${x.range ?? '-'} → ${x.status} ${x.contentRange ?? ''}`).join(' | ')}`);

      // The media element's first request is open-ended and the cap shortens it to 2 MiB ...
      const capped = cappedAnswers(events, DEFAULT_CAP, size);
      expect(capped[0]).toBe(events[0]);
      expect(contentRangeOf(events[0] as ResponseEvent)).toBe(`bytes 0-${DEFAULT_CAP - 1}/${size}`);
      // ... and the browser comes back for more, resuming inside or right after what it was
      // offered (Chromium may cancel a response once it has enough, then resume from its buffer).
      const resumed = events.slice(1).find((event) => {
        const start = requestedStart(event) ?? 0;
        return start > 0 && start <= DEFAULT_CAP;
      });
      expect(resumed).toBeDefined();

      // The seek: a Range request far past byte 0, at the byte that holds the target second.
      const seekRequests = events.slice(beforeSeek).filter((event) => (requestedStart(event) ?? 0) > size / 2);
      expect(seekRequests.length).toBeGreaterThanOrEqual(1);
      const seek = seekRequests[0] as ResponseEvent;
      const start = requestedStart(seek) ?? -1;
      const targetByte = WAV_HEADER_BYTES + target * wavByteRate();
      expect(Math.abs(start - targetByte)).toBeLessThan(wavByteRate()); // within one second of audio
      expect(seek.status).toBe(206);
      expect(seek.ranges).toHaveLength(1);
      expect(seek.ranges[0]?.start).toBe(start);
      expect(contentRangeOf(seek)).toMatch(new RegExp(`^bytes ${start}-\\d+/${size}$`));
      // What the page received for that position carried the matching Content-Range too.
      const seen = pageView.find((exchange) => exchange.range?.startsWith(`bytes=${start}-`));
      expect(seen?.status).toBe(206);
      expect(seen?.contentRange).toMatch(new RegExp(`^bytes ${start}-\\d+/${size}$`));

      expect(playing.buffered.some(([from, to]) => from <= target && target <= to)).toBe(true);
      expect(events.filter((event) => event.status === 206).length).toBeGreaterThanOrEqual(3);
      expect(events.every((event) => event.status === 206 || event.status === 304)).toBe(true);
    } finally {
      await page.close();
      await player.close();
    }
  });

  const noStore: PartialContentOptions['setHeaders'] = (res: ServerResponse) => res.setHeader('Cache-Control', 'no-store');
  it.each([
    { label: 'as served (cacheable: Chromium caches and revalidates pieces)', setHeaders: undefined },
    { label: 'with Cache-Control: no-store (every request reaches the cap)', setHeaders: noStore },
  ])('plays a 40 s WAV to the end at 16× with a 256 KiB cap, $label', async ({ setHeaders }) => {
    const cap = 256 * 1024;
    const file = e2eContext().shortWav;
    const size = statSync(join(e2eContext().mediaDir, file)).size;
    const player = await startPlayer(setHeaders === undefined ? { maxChunkSize: cap } : { maxChunkSize: cap, setHeaders });
    const page = await browser.newPage();
    try {
      await page.goto(`${player.url}/?file=${file}`);
      const metadata = await waitForMetadata(page);
      expect(metadata.duration).toBeCloseTo(40, 1);
      const started = performance.now();
      await page.evaluate(() => {
        const media = document.querySelector<HTMLMediaElement>('#media');
        if (media === null) throw new Error('no #media');
        media.playbackRate = 16;
        return media.play();
      });
      await page.waitForFunction(() => document.querySelector<HTMLMediaElement>('#media')?.ended === true, undefined, {
        timeout: 60_000,
        polling: 100,
      });
      const seconds = (performance.now() - started) / 1000;
      const end = await mediaState(page);
      expect(end.error).toBeNull();
      expect(end.currentTime).toBeCloseTo(40, 1);

      const events = player.mediaEvents(file);
      const capped = cappedAnswers(events, cap, size);
      console.log(describeExchanges(`Played ${file} (${size} B) to the end in ${seconds.toFixed(1)} s with a 256 KiB cap, ${setHeaders === undefined ? 'cacheable' : 'no-store'}: ${capped.length} capped answers`, events));

      // Every byte of the file reached the browser, and no answer was the whole file.
      expect(deliveredBytes(events, size)).toEqual([[0, size - 1]]);
      expect(events.some((event) => event.status === 200)).toBe(false);
      expect(capped.length).toBeGreaterThanOrEqual(1);
      // After each short answer the browser asked for the next byte: no stall at a chunk boundary.
      for (const answer of capped) {
        const next = (answer.ranges[0]?.end ?? -2) + 1;
        expect(events.slice(events.indexOf(answer) + 1).map(requestedStart)).toContain(next);
      }
      if (setHeaders !== undefined) expect(capped.length).toBeGreaterThanOrEqual(Math.floor(size / cap) - 1);
    } finally {
      await page.close();
      await player.close();
    }
  });
});
