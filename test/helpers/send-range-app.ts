import { expect } from 'vitest';
import { sendRange, type ResponseEvent, type SourceInput } from '../../src/index.js';
import type { GetResponse } from './http-get.js';
import { createApp, listen, withSentinels, type Running } from './server.js';
import { until } from './until.js';

/** A loopback app that answers every request with `sendRange` and records what each response reported. */
export interface SendRangeApp extends Running {
  /** Every `onResponse` event so far, in order. */
  readonly events: readonly ResponseEvent[];
  /**
   * The `onResponse` events of the request for `url` (path and query), read once its `sendRange` call
   * settled: sendRange reports before it settles, so none can come later and the list is final.
   */
  eventsOf(url: string): Promise<ResponseEvent[]>;
  /** The one `onResponse` event of `url` (fails when there is none or more than one). */
  eventOf(url: string): Promise<ResponseEvent>;
}

/**
 * Starts an app whose one route serves `inputFor(path)` (the request path without its query) through
 * `sendRange`, with the sentinels of {@link withSentinels}: `undefined` falls through to `next()`, an
 * error (thrown, or sendRange's rejection) goes to `next(err)`.
 */
export async function startSendRangeApp(inputFor: (path: string) => SourceInput | undefined): Promise<SendRangeApp> {
  const events: ResponseEvent[] = [];
  const settled = new Set<string>();
  const app = createApp();
  app.use((req, res, next) => {
    const url = req.url ?? '/';
    const done = (): void => void settled.add(url);
    let input: SourceInput | undefined;
    try {
      input = inputFor(new URL(url, 'http://x').pathname);
    } catch (error) {
      done();
      return next(error);
    }
    if (input === undefined) return done(), next();
    sendRange(req, res, input, { onResponse: (event) => events.push(event) })
      .catch(next)
      .finally(done);
  });
  withSentinels(app);
  const running = await listen(app);
  const eventsOf = async (url: string): Promise<ResponseEvent[]> => {
    await until(() => settled.has(url), `sendRange settled for ${url}`);
    return events.filter((event) => event.url === url);
  };
  return {
    ...running,
    events,
    eventsOf,
    eventOf: async (url) => {
      const found = await eventsOf(url);
      expect(found).toHaveLength(1);
      return found[0] as ResponseEvent;
    },
  };
}

/** A route's answer when its `sendRange` rejected before the head: the error sentinel with `status`, no range. */
export function expectErrorThroughNext(res: GetResponse, status: number): void {
  expect(res.status).toBe(status);
  expect(res.headers['x-sentinel']).toBe('error');
  expect(res.body.toString()).toBe(`error ${status}`);
  expect(res.headers['content-range']).toBeUndefined();
}
