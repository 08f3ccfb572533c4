import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPlayerApp, listenPlayer } from './app.js';
import { formatBytes } from './page.js';
import { ensureSamples } from './samples.js';

// npm start: make the sample media if it is missing, then serve the player.
//   PORT (3000), HOST (127.0.0.1), MEDIA_DIR (examples/player/media), QUIET=1 to stop logging requests.
const mediaDir = resolve(process.env['MEDIA_DIR'] ?? fileURLToPath(new URL('./media', import.meta.url)));
const port = Number(process.env['PORT'] ?? 3000);
const host = process.env['HOST'] ?? '127.0.0.1';
const quiet = process.env['QUIET'] === '1';

const log = (message: string): void => console.log(`  samples: ${message}`);
console.log(`Media folder: ${mediaDir}`);
// The WAV takes seconds, so the player starts with it; ffmpeg's samples follow in the background and
// appear in the list once complete (they are written under hidden names, then renamed).
await ensureSamples(mediaDir, { ffmpegSamples: [], log });

const app = createPlayerApp({
  mediaDir,
  onResponse: (event) => {
    if (quiet || !event.url.startsWith('/media/')) return;
    const [range] = event.ranges;
    const answered = range === undefined ? '' : ` -> ${range.start}-${range.end}`;
    const note = event.aborted ? ` (aborted after ${formatBytes(event.bytesWritten)})` : '';
    console.log(
      `${event.status} ${event.method} ${event.url.split('?')[0]} ${event.rangeHeader ?? '(no Range)'}${answered}` +
        ` ${formatBytes(event.bytesWritten)} in ${event.durationMs.toFixed(0)} ms${note}`,
    );
  },
});
const running = await listenPlayer(app, port, host);
const shown = host === '0.0.0.0' || host === '::' ? `http://localhost:${running.port}` : running.url;
console.log(`\nPlayer: ${shown}/\n`);
const stop = new AbortController();
const samples = ensureSamples(mediaDir, { log, signal: stop.signal }).then(
  (report) => {
    if (report.created.length > 0) console.log(`  samples: ready (reload the page): ${report.created.join(', ')}`);
  },
  (error: unknown) => console.error('  samples: generation failed:', error),
);
// Ctrl-C or a stop request: stop ffmpeg too (it would otherwise outlive us), let it clean up, exit.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    stop.abort();
    void Promise.allSettled([samples, running.close()]).then(() => process.exit(0));
  });
}
