import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { serveFiles, type ResponseEvent } from '../../src/fetch.js';
import { seekAndWait, waitForMetadata, waitForTime } from './helpers/media.js';
import { e2eContext } from './helpers/player.js';
import { useChromium } from './helpers/use-chromium.js';

const browser = useChromium();

/** A fetch-API app on Node: a page with one video element, and the media through serveFiles. */
async function startFetchPlayer(mediaDir: string, file: string, events: ResponseEvent[]): Promise<{ url: string; server: ServerType }> {
  const files = serveFiles(mediaDir, { onResponse: (event) => events.push(event) });
  const tag = file.endsWith('.wav') ? 'audio' : 'video';
  const page = `<!doctype html><${tag} id="media" controls preload="metadata" src="/media/${encodeURIComponent(file)}"></${tag}>`;
  const app = async (request: Request): Promise<Response> => {
    const { pathname } = new URL(request.url);
    if (pathname.startsWith('/media/')) return (await files(request, pathname.slice('/media'.length))) ?? new Response('Not Found', { status: 404 });
    return new Response(page, { headers: { 'Content-Type': 'text/html; charset=utf-8' } });
  };
  const server = await new Promise<ServerType>((resolve) => {
    const started = serve({ fetch: app, port: 0, hostname: '127.0.0.1' }, () => resolve(started));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('the player through partial-content/fetch (Node, @hono/node-server)', () => {
  it('Chromium loads, plays and seeks the video with 206 answers from serveFiles', async () => {
    const { video, mediaDir } = e2eContext();
    const events: ResponseEvent[] = [];
    const { url, server } = await startFetchPlayer(mediaDir, video.file, events);
    const page = await browser.newPage();
    try {
      await page.goto(url);
      const metadata = await waitForMetadata(page);
      expect(metadata.duration).toBeGreaterThan(30);
      await page.evaluate(() => {
        const media = document.querySelector<HTMLMediaElement>('#media');
        media!.muted = true;
        return media!.play();
      });
      await waitForTime(page, 0.5);
      const target = 0.6 * metadata.duration;
      const seekedAt = await seekAndWait(page, target);
      expect(Math.abs(seekedAt - target)).toBeLessThan(0.5);
      const playing = await waitForTime(page, target + 1.5);
      expect(playing.error).toBeNull();
      expect(playing.buffered.some(([from, to]) => from <= target && to >= target)).toBe(true);
    } finally {
      await page.close();
      await new Promise((resolve) => server.close(resolve));
    }
    // Every media answer was a range answer (or a 304 for a piece Chromium had cached), and the seek
    // was answered with a range that does not start at 0.
    const media = events.filter((event) => event.url.includes('/media/'));
    expect(media.length).toBeGreaterThan(1);
    expect(media.filter((event) => event.status !== 206 && event.status !== 304)).toEqual([]);
    expect(media.some((event) => event.status === 206 && (event.ranges[0]?.start ?? 0) > 0)).toBe(true);
  });
});
