import type { IncomingMessage } from 'node:http';
import type { PartialContentOptions, ResponseEvent } from 'partial-content';
import { inject } from 'vitest';
import { createPlayerApp, listenPlayer } from '../../../examples/player/app.js';

/** What the global setup made and found out, shared with every e2e file. */
export interface E2eContext {
  /** Temp folder holding the generated samples. */
  readonly mediaDir: string;
  /** The file the video test plays, and why that one. */
  readonly video: { readonly file: string; readonly format: string; readonly reason: string };
  /** A short WAV for playing to the end quickly. */
  readonly shortWav: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    e2e: E2eContext;
  }
}

export function e2eContext(): E2eContext {
  return inject('e2e');
}

export interface RunningTestPlayer {
  readonly url: string;
  /** Every response the library finished, in order (media and page assets). */
  readonly events: ResponseEvent[];
  /** The media responses for one file, in order. */
  mediaEvents(file: string): ResponseEvent[];
  /**
   * Resolves once every `/media/` request received so far has finished and been reported
   * (`onResponse` fires when a response ends, so a streaming one is not in `events` yet).
   */
  settled(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** The example player app, in-process on a loopback port, recording `onResponse` events. */
export async function startPlayer(media: Omit<PartialContentOptions, 'onResponse'> = {}): Promise<RunningTestPlayer> {
  const events: ResponseEvent[] = [];
  const app = createPlayerApp({ mediaDir: e2eContext().mediaDir, media, onResponse: (event) => events.push(event) });
  const running = await listenPlayer(app, 0, '127.0.0.1');
  let mediaRequests = 0;
  // Ahead of Express, which rewrites req.url under a mount point.
  running.server.prependListener('request', (req: IncomingMessage) => {
    if (req.url?.startsWith('/media/') === true) mediaRequests++;
  });
  const mediaResponses = (): number => events.filter((event) => event.url.startsWith('/media/')).length;
  return {
    url: running.url,
    events,
    mediaEvents: (file) => events.filter((event) => event.url.split('?')[0] === `/media/${encodeURIComponent(file)}`),
    settled: async (timeoutMs = 10_000) => {
      const deadline = performance.now() + timeoutMs;
      while (mediaResponses() < mediaRequests) {
        if (performance.now() > deadline) {
          throw new Error(`${mediaRequests - mediaResponses()} media responses still open after ${timeoutMs} ms`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    close: () => running.close(),
  };
}
