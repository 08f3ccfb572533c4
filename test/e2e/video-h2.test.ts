import { statSync } from 'node:fs';
import { join } from 'node:path';
import { sendRange, type ResponseEvent } from 'partial-content';
import { afterAll, describe, expect, it } from 'vitest';
import { listenH2, makeCertificate } from '../helpers/h2.js';
import { describeExchanges, requestedStart, seekAndWait, waitForMetadata, waitForTime } from './helpers/media.js';
import { e2eContext } from './helpers/player.js';
import { useChromium } from './helpers/use-chromium.js';

/**
 * The seek test over HTTP/2: a node:http2 TLS server (allowHTTP1) answers a bare page and the
 * media through sendRange; Chromium trusts the certificate made for this run by its public key,
 * negotiates h2, plays and seeks, and the seek is answered with a 206 on an HTTP/2 stream.
 */

const certificate = makeCertificate();
const browser = useChromium(undefined, [`--ignore-certificate-errors-spki-list=${certificate.spki}`]);
afterAll(() => certificate.cleanup());

type Exchange = ResponseEvent & { readonly httpVersion: string; readonly requestedAt: number };

describe('video element in Chromium over HTTP/2', () => {
  const { video, mediaDir } = e2eContext();

  it(`plays and seeks ${video.file} over h2, the seek answered with a 206`, async () => {
    const size = statSync(join(mediaDir, video.file)).size;
    const mediaPath = `/media/${encodeURIComponent(video.file)}`;
    const exchanges: Exchange[] = [];
    const page = `<!doctype html><meta charset="utf-8"><title>h2 seek</title><video id="media" src="${mediaPath}" muted playsinline></video>`;
    const server = await listenH2(certificate, (req, res) => {
      if (req.url === mediaPath) {
        const httpVersion = req.httpVersion;
        const requestedAt = performance.now();
        // no-store: the seek must reach the server, not be revalidated from Chromium's cache (a 304).
        res.setHeader('Cache-Control', 'no-store');
        const onResponse = (event: ResponseEvent): void => {
          exchanges.push({ ...event, httpVersion, requestedAt });
        };
        sendRange(req, res, join(mediaDir, video.file), { maxChunkSize: 512 * 1024, capScope: 'all', onResponse }).catch(() => {
          res.statusCode = 500;
          res.end();
        });
        return;
      }
      res.writeHead(req.url === '/' ? 200 : 404, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(req.url === '/' ? page : 'not found');
    });
    const tab = await browser.newPage();
    try {
      // The certificate names 127.0.0.1 and localhost; its public key is the one Chromium was told to trust.
      const loaded = await tab.goto(`https://localhost:${server.port}/`);
      expect(loaded?.status()).toBe(200);
      const metadata = await waitForMetadata(tab);
      // Seek before playing: with 512 KiB answers, 60 % of the file is not fetched yet.
      const target = 0.6 * metadata.duration;
      const seekIssuedAt = performance.now();
      const seekedAt = await seekAndWait(tab, target);
      await tab.evaluate(() => document.querySelector<HTMLMediaElement>('#media')?.play());
      const playing = await waitForTime(tab, target + 1);
      expect(Math.abs(seekedAt - target)).toBeLessThan(0.5);
      expect(playing.error).toBeNull();
      expect(playing.buffered.some(([from, to]) => from <= target && target <= to)).toBe(true);
      await tab.close();
      // Closing the page resets the streams still open; each is reported once it settles.
      const deadline = performance.now() + 10_000;
      const seeks = (): Exchange[] => exchanges.filter((exchange) => exchange.requestedAt >= seekIssuedAt);
      while (seeks().length === 0 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));

      console.log(describeExchanges(`Range requests Chromium made over h2 for ${video.file} (${size} B):`, exchanges));
      expect(exchanges.length).toBeGreaterThanOrEqual(2);
      expect(exchanges.filter((exchange) => exchange.httpVersion !== '2.0')).toEqual([]);
      // Chromium resets the streams it no longer needs: a response cut short is reported as aborted.
      expect(exchanges.filter((exchange) => exchange.bytesWritten < exchange.bytesExpected && !exchange.aborted && exchange.error === undefined)).toEqual([]);
      // The seek: requested after it was issued, far into the file, a 206 from exactly where it was asked.
      const seek = seeks().filter((exchange) => exchange.status === 206 && (requestedStart(exchange) ?? 0) > size / 3);
      expect(seek.length).toBeGreaterThanOrEqual(1);
      for (const exchange of seek) expect(exchange.ranges[0]?.start).toBe(requestedStart(exchange));
    } finally {
      await tab.close();
      await server.close();
    }
  });
});
