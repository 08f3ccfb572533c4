import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_FILES } from '../../examples/player/samples.js';
import { get } from '../helpers/http-get.js';
import { useChromium } from './helpers/use-chromium.js';
import { contentRangeOf, mediaState, seekAndWait, waitForMetadata, waitForTime } from './helpers/media.js';
import { e2eContext, startPlayer, type RunningTestPlayer } from './helpers/player.js';

const OUTPUT = 'test-output/player.png';
const DOCS = 'docs/player.png';

const browser = useChromium({ width: 1100, height: 860 });
let player: RunningTestPlayer;
beforeAll(async () => {
  player = await startPlayer();
});
afterAll(async () => {
  await player?.close();
});

interface SeekBarReading {
  readonly currentTime: number;
  readonly duration: number;
  readonly buffered: [number, number][];
  readonly track: { left: number; width: number };
  readonly bar: { left: number; width: number } | null;
}

/** Reads the drawn buffered bar and `media.buffered` in the same animation frame, after the player drew. */
function readSeekBar(page: Page): Promise<SeekBarReading> {
  return page.evaluate(
    () =>
      new Promise<SeekBarReading>((resolve) => {
        requestAnimationFrame(() => {
          const media = document.querySelector<HTMLMediaElement>('#media');
          const track = document.querySelector('.seek-track')?.getBoundingClientRect();
          const bar = document.querySelector<HTMLElement>('.seek-buffered');
          if (media === null || track === undefined || bar === null) throw new Error('player markup missing');
          const buffered: [number, number][] = [];
          for (let i = 0; i < media.buffered.length; i++) buffered.push([media.buffered.start(i), media.buffered.end(i)]);
          const box = bar.hidden ? null : bar.getBoundingClientRect();
          resolve({
            currentTime: media.currentTime,
            duration: media.duration,
            buffered,
            track: { left: track.left, width: track.width },
            bar: box === null ? null : { left: box.left, width: box.width },
          });
        });
      }),
  );
}

/** The drawn strong bar is exactly the buffered range that holds the playhead (within a pixel). */
function expectBarMatchesBuffered(reading: SeekBarReading): void {
  const { currentTime, duration, track, bar } = reading;
  const around = reading.buffered.find(([start, end]) => start <= currentTime && currentTime <= end);
  expect(around, `no buffered range holds ${currentTime} in ${JSON.stringify(reading.buffered)}`).toBeDefined();
  const [start, end] = around as [number, number];
  expect(bar).not.toBeNull();
  const pxPerSecond = track.width / duration;
  expect(Math.abs((bar?.left ?? 0) - (track.left + start * pxPerSecond))).toBeLessThan(1);
  expect(Math.abs((bar?.width ?? 0) - (end - start) * pxPerSecond)).toBeLessThan(1);
}

/** Server events of this page (its `view` id), as the request panel should list them. */
async function viewEvents(page: Page): Promise<typeof player.events> {
  const view = await page.locator('.player').getAttribute('data-view');
  expect(view).toMatch(/^[\w-]+$/);
  return player.events.filter((event) => new URL(event.url, 'http://x').searchParams.get('view') === view);
}

async function expectPanelMatchesServer(page: Page): Promise<number> {
  const events = await viewEvents(page);
  expect(events.length).toBeGreaterThan(0);
  await page.waitForFunction((count) => document.querySelectorAll('.requests tbody tr').length >= count, events.length, { timeout: 10_000 });
  const rows = await page.locator('.requests tbody tr').evaluateAll((trs) =>
    trs.map((tr) => ({
      range: tr.querySelector('.range')?.textContent,
      status: tr.querySelector('.status')?.textContent,
      contentRange: tr.querySelector('.content-range')?.textContent,
    })),
  );
  expect(rows.slice(0, events.length)).toEqual(
    events.map((event) => ({
      range: event.rangeHeader ?? `(none) ${event.method}`,
      status: String(event.status),
      contentRange: contentRangeOf(event) ?? '',
    })),
  );
  return events.length;
}

describe('the player page', () => {
  it('lists the files as plain links and plays without JavaScript (server-rendered HTML)', async () => {
    const odd = 'night & "day" <b>.wav';
    copyFileSync(join(e2eContext().mediaDir, e2eContext().shortWav), join(e2eContext().mediaDir, odd));
    try {
      const page = await get(`${player.url}/?file=tone.wav&t=60`);
      expect(page.status).toBe(200);
      const html = page.body.toString('utf8');
      for (const name of [SAMPLE_FILES.wav, e2eContext().shortWav]) expect(html).toContain(`<a href="/?file=${name}"`);
      expect(html).toContain('<a href="/?file=night+%26+%22day%22+%3Cb%3E.wav">night &#38; &#34;day&#34; &#60;b&#62;.wav</a>');
      expect(html).not.toContain('<b>.wav');
      const audio = /<audio id="media" src="([^"]+)" preload="metadata" controls[^>]*>/.exec(html);
      expect(audio?.[1]).toMatch(/^\/media\/tone\.wav\?view=[\w-]+#t=60$/);

      // The element's own URL serves ranges, and the odd name is reachable through its encoded link.
      const media = await get(`${player.url}${(audio?.[1] ?? '').split('#')[0]}`, { Range: 'bytes=0-99' });
      expect(media.status).toBe(206);
      expect(media.body).toHaveLength(100);
      const oddPage = await get(`${player.url}/?file=${encodeURIComponent(odd)}`);
      expect(oddPage.body.toString()).toContain(`src="/media/night%20%26%20%22day%22%20%3Cb%3E.wav?view=`);

      const missing = await get(`${player.url}/?file=nope.wav`);
      expect(missing.status).toBe(404);
      expect(missing.body.toString()).toContain(`<a href="/?file=${SAMPLE_FILES.wav}"`);
    } finally {
      rmSync(join(e2eContext().mediaDir, odd));
    }
  });

  it('starts at ?t=60, plays, seeks by click, drag and keys, and shows the page’s range requests live', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${player.url}/?file=tone.wav&t=60`);
      const metadata = await waitForMetadata(page);
      expect(Math.abs(metadata.currentTime - 60)).toBeLessThan(0.5);
      expect(await page.locator('#media').evaluate((media: HTMLMediaElement) => media.controls)).toBe(false);
      await expect.poll(() => page.locator('.time-current').textContent()).toBe('1:00');
      expect(await page.locator('.time-duration').textContent()).toBe('3:00');

      await page.click('.play');
      await waitForTime(page, 60.5);
      expect(await page.locator('.play').getAttribute('aria-label')).toBe('Pause');

      const track = await page.locator('.seek-track').boundingBox();
      if (track === null) throw new Error('seek bar not visible');
      const y = track.y + track.height / 2;
      const secondsPerPixel = metadata.duration / track.width;

      // Click at a quarter of the bar.
      const clicked = page.evaluate(() => new Promise((resolve) => document.querySelector('#media')?.addEventListener('seeked', resolve, { once: true })));
      await page.mouse.click(track.x + track.width * 0.25, y);
      await clicked;
      expect(Math.abs((await mediaState(page)).currentTime - 45)).toBeLessThan(secondsPerPixel + 0.5);

      // Drag from 40% to 70%: no seek until release, then one seek to where the pointer let go.
      const dragged = page.evaluate(() => new Promise((resolve) => document.querySelector('#media')?.addEventListener('seeked', resolve, { once: true })));
      await page.mouse.move(track.x + track.width * 0.4, y);
      await page.mouse.down();
      await page.mouse.move(track.x + track.width * 0.55, y, { steps: 5 });
      expect(await page.locator('.time-current').textContent()).toBe('1:39');
      expect((await mediaState(page)).currentTime).toBeLessThan(60);
      await page.mouse.move(track.x + track.width * 0.7, y, { steps: 5 });
      await page.mouse.up();
      await dragged;
      expect(Math.abs((await mediaState(page)).currentTime - 126)).toBeLessThan(secondsPerPixel + 0.5);
      await waitForTime(page, 127);

      // Keyboard: Space pauses; on the focused seek bar, arrows move 5 s (Shift: 30 s), Home goes to 0.
      await page.keyboard.press('Space');
      await expect.poll(async () => (await mediaState(page)).paused).toBe(true);
      const pausedAt = (await mediaState(page)).currentTime;
      await page.focus('.seek');
      await page.keyboard.press('ArrowRight');
      await expect.poll(async () => (await mediaState(page)).currentTime).toBeCloseTo(pausedAt + 5, 3);
      await page.keyboard.press('Shift+ArrowLeft');
      await expect.poll(async () => (await mediaState(page)).currentTime).toBeCloseTo(pausedAt - 25, 3);
      expect(await page.locator('.seek').getAttribute('aria-valuenow')).toBe(String(Math.round(pausedAt - 25)));
      expect(await page.locator('.moment').getAttribute('href')).toBe(`/?file=tone.wav&t=${Math.floor(pausedAt - 25)}`);

      // Back to playing at 2:00, where the browser holds data: the bar shows the range around it.
      await seekAndWait(page, 120);
      await page.keyboard.press('Space');
      await waitForTime(page, 121);
      const reading = await readSeekBar(page);
      expect(reading.buffered.length).toBeGreaterThanOrEqual(2);
      expectBarMatchesBuffered(reading);

      expect(await expectPanelMatchesServer(page)).toBeGreaterThanOrEqual(3);
      await expect.poll(() => page.locator('.requests .summary').textContent()).toMatch(/^\d+ responses, [\d.]+ MiB sent/);
    } finally {
      await page.close();
    }
  });

  it(`draws the buffered range around the playhead, and is photographed for the README`, async () => {
    const { video } = e2eContext();
    const page = await browser.newPage();
    try {
      await page.goto(`${player.url}/?file=${encodeURIComponent(video.file)}&t=5`);
      const metadata = await waitForMetadata(page);
      await page.click('.play');
      await waitForTime(page, 6.5);
      await seekAndWait(page, metadata.duration * 0.6);
      await waitForTime(page, metadata.duration * 0.6 + 2);
      await page.keyboard.press('Space');
      await expect.poll(async () => (await mediaState(page)).paused).toBe(true);

      expectBarMatchesBuffered(await readSeekBar(page));
      await expectPanelMatchesServer(page);
      await page.mouse.move(0, 0);
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());

      mkdirSync('test-output', { recursive: true });
      await page.screenshot({ path: OUTPUT, fullPage: true });
      expect(existsSync(OUTPUT)).toBe(true);
      // docs/player.png is committed: refresh it only when asked, so test runs leave the tree clean.
      if (!existsSync(DOCS) || process.env['UPDATE_SCREENSHOT'] === '1') {
        mkdirSync('docs', { recursive: true });
        copyFileSync(OUTPUT, DOCS);
      }
    } finally {
      await page.close();
    }
  });
});
