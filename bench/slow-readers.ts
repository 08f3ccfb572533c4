import { connect, type Socket } from 'node:net';
import { memory, openFds, resetPeak, type RunningServer } from './processes.js';
import { fetch } from './scenarios.js';

export interface SlowReadersResult {
  readonly baselineRss: number;
  /** Highest resident memory while the readers were connected (VmHWM, reset before they came). */
  readonly peakRss: number;
  readonly fdsBefore: number;
  readonly fdsDuring: number;
  readonly fdsAfter: number;
  /** Milliseconds from the aborts until the descriptor count was back to `fdsBefore` (or the limit). */
  readonly releaseMs: number;
  readonly answered: number;
  readonly wrongStatus: number;
  readonly receivedBytes: number;
  /** process.memoryUsage() of a Node server while the readers were connected. */
  readonly heap: NodeJS.MemoryUsage | undefined;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

/**
 * `count` clients request the whole `path` and read it slowly (one socket read every 250 ms); once all
 * have an answer (or after `answerMs`), they go on for `holdMs`, then all abort at once. Measures the server's peak RSS and its descriptors before,
 * during and after.
 */
export async function slowReaders(
  server: RunningServer,
  options: { count: number; holdMs: number; answerMs: number; settleMs: number; path: string; warmPath: string },
): Promise<SlowReadersResult> {
  await fetch(server.port, options.warmPath, {}, 2 * 1024 * 1024);
  await sleep(300);
  const pids = server.pids();
  const fdsBefore = sum(pids.map(openFds));
  const baselineRss = sum(pids.map((pid) => memory(pid).rss));
  for (const pid of pids) resetPeak(pid);

  const sockets: Socket[] = [];
  const paused = new Set<Socket>();
  let answered = 0;
  let wrongStatus = 0;
  let receivedBytes = 0;
  const open = (): void => {
    const socket = connect(server.port, '127.0.0.1');
    let first = true;
    socket.setNoDelay(true);
    socket.on('error', () => {
      // the abort below, or the server refusing: counted through `answered`
    });
    socket.on('data', (chunk: Buffer) => {
      receivedBytes += chunk.length;
      if (first) {
        first = false;
        if (chunk.subarray(0, 12).toString('latin1') === 'HTTP/1.1 200') answered++;
        else wrongStatus++;
      }
      socket.pause();
      paused.add(socket);
    });
    socket.write(`GET ${options.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    sockets.push(socket);
  };
  const reader = setInterval(() => {
    for (const socket of paused) socket.resume();
    paused.clear();
  }, 250);
  try {
    for (let i = 0; i < options.count; i++) {
      open();
      if (i % 50 === 49) await sleep(20);
    }
    // A loaded server accepts 500 connections slowly: the hold starts once every client has an answer.
    const answerBy = Date.now() + options.answerMs;
    while (answered + wrongStatus < options.count && Date.now() < answerBy) await sleep(100);
    const until = Date.now() + options.holdMs;
    while (Date.now() < until) await sleep(100);
  } finally {
    clearInterval(reader);
  }
  const fdsDuring = sum(pids.map(openFds));
  const heap = await fetch(server.port, '/__bench/memory', {}, 4096)
    .then((got) => (got.status === 200 ? (JSON.parse(got.body.toString()) as NodeJS.MemoryUsage) : undefined))
    .catch(() => undefined);
  const peakRss = sum(pids.map((pid) => memory(pid).peak));
  for (const socket of sockets) socket.destroy();

  const abortedAt = Date.now();
  let fdsAfter = sum(pids.map(openFds));
  while (fdsAfter > fdsBefore && Date.now() - abortedAt < options.settleMs) {
    await sleep(100);
    fdsAfter = sum(pids.map(openFds));
  }
  return {
    baselineRss,
    peakRss,
    fdsBefore,
    fdsDuring,
    fdsAfter,
    releaseMs: Date.now() - abortedAt,
    answered,
    wrongStatus,
    receivedBytes,
    heap,
  };
}
