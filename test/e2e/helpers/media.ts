import type { Page, Response } from 'playwright-core';
import type { ResponseEvent } from 'partial-content';

/** A snapshot of the page's media element. */
export interface MediaState {
  readonly currentTime: number;
  readonly duration: number;
  readonly paused: boolean;
  readonly ended: boolean;
  readonly readyState: number;
  readonly buffered: readonly (readonly [number, number])[];
  readonly error: number | null;
}

export function mediaState(page: Page): Promise<MediaState> {
  return page.evaluate(() => {
    const media = document.querySelector<HTMLMediaElement>('#media');
    if (media === null) throw new Error('no #media element');
    const buffered: [number, number][] = [];
    for (let i = 0; i < media.buffered.length; i++) buffered.push([media.buffered.start(i), media.buffered.end(i)]);
    return {
      currentTime: media.currentTime,
      duration: media.duration,
      paused: media.paused,
      ended: media.ended,
      readyState: media.readyState,
      buffered,
      error: media.error?.code ?? null,
    };
  });
}

/** Waits until the element knows its duration (`loadedmetadata`). */
export async function waitForMetadata(page: Page, timeout = 30_000): Promise<MediaState> {
  await page.waitForFunction(() => (document.querySelector<HTMLMediaElement>('#media')?.readyState ?? 0) >= 1, undefined, { timeout });
  return mediaState(page);
}

/** Waits until `currentTime` has reached `time` while playing. */
export async function waitForTime(page: Page, time: number, timeout = 30_000): Promise<MediaState> {
  await page.waitForFunction(
    (at) => {
      const media = document.querySelector<HTMLMediaElement>('#media');
      return media !== null && !media.paused && media.currentTime >= at;
    },
    time,
    { timeout, polling: 50 },
  );
  return mediaState(page);
}

/** Sets `currentTime` and resolves with the time `seeked` reported. */
export function seekAndWait(page: Page, target: number, timeout = 30_000): Promise<number> {
  return page.evaluate(
    ([to, limit]) =>
      new Promise<number>((resolve, reject) => {
        const media = document.querySelector<HTMLMediaElement>('#media');
        if (media === null) return reject(new Error('no #media element'));
        const timer = setTimeout(() => reject(new Error(`no seeked event within ${limit} ms`)), limit);
        media.addEventListener(
          'seeked',
          () => {
            clearTimeout(timer);
            resolve(media.currentTime);
          },
          { once: true },
        );
        media.currentTime = to;
      }),
    [target, timeout] as const,
  );
}

/** A media response as the page saw it (after Chromium's HTTP cache, which may answer from disk). */
export interface PageExchange {
  readonly url: string;
  readonly status: number;
  readonly range: string | undefined;
  readonly contentRange: string | undefined;
}

/** Records the page's responses for URLs under `/media/`. */
export function recordPageExchanges(page: Page): PageExchange[] {
  const exchanges: PageExchange[] = [];
  page.on('response', (response: Response) => {
    if (!new URL(response.url()).pathname.startsWith('/media/')) return;
    exchanges.push({
      url: response.url(),
      status: response.status(),
      range: response.request().headers()['range'],
      contentRange: response.headers()['content-range'],
    });
  });
  return exchanges;
}

/** The `Content-Range` the library sent for a single-range 206 (from its onResponse event). */
export function contentRangeOf(event: ResponseEvent): string | undefined {
  const [range] = event.ranges;
  if (event.status !== 206 || event.ranges.length !== 1 || range === undefined) return undefined;
  return `bytes ${range.start}-${range.end}/${event.size}`;
}

/** `bytes=N-` → N (open-ended), else undefined. */
export function openEndedStart(event: ResponseEvent): number | undefined {
  const match = /^bytes=(\d+)-$/.exec(event.rangeHeader ?? '');
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** First position of a single `bytes=N-…` request. */
export function requestedStart(event: ResponseEvent): number | undefined {
  const match = /^bytes=(\d+)-\d*$/.exec(event.rangeHeader ?? '');
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** One line per response, for the test log (and the closing note). */
export function describeExchanges(title: string, events: readonly ResponseEvent[]): string {
  const lines = events.map((event, index) => {
    const range = event.rangeHeader ?? '(no Range)';
    const answered = contentRangeOf(event) ?? '';
    const [first] = event.ranges;
    const size = first === undefined ? '' : `${first.end - first.start + 1} B`;
    const sent = event.aborted ? `cancelled after ${event.bytesWritten} B` : `sent ${event.bytesWritten} B`;
    return `  ${String(index + 1).padStart(2)}. ${range.padEnd(26)} ${event.status}  ${answered.padEnd(34)} ${size.padStart(11)}  ${sent}`;
  });
  return `${title}\n${lines.join('\n')}`;
}
