import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { bufferSource, sendRange, type SendRangeOptions } from 'partial-content';

// A route of your own in front of sendRange: look a track id up in a catalogue, then stream it.
//   npx tsx examples/custom-route.ts      PORT (3001), MEDIA_DIR (examples/player/media, made by npm start)
//   curl -i -H 'Range: bytes=0-99' http://127.0.0.1:3001/tracks/beep

/** A track lives in a file, or in memory (a database blob, a generated sound). */
export type Track =
  | { readonly title: string; readonly file: string }
  | { readonly title: string; readonly bytes: Uint8Array; readonly type: string; readonly updatedAt: Date };

/** Track ids → tracks. */
export type Catalogue = ReadonlyMap<string, Track>;

/**
 * `GET /tracks` lists the catalogue; `GET|HEAD /tracks/:id` streams one track with ranges, validators
 * and the media cap. An unknown id goes on with `next()` (Express answers 404); a track whose file is
 * gone rejects with a 404 `HttpError`, handed to `next(err)` like any other error.
 */
export function createCatalogueApp(catalogue: Catalogue, options: SendRangeOptions = {}): Express {
  const app = express();
  app.disable('x-powered-by');

  app.get('/tracks', (_req: Request, res: Response) => {
    res.json([...catalogue].map(([id, track]) => ({ id, title: track.title, url: `/tracks/${id}` })));
  });

  app.get('/tracks/:id', (req: Request<{ id: string }>, res: Response, next: NextFunction) => {
    const track = catalogue.get(req.params.id);
    if (track === undefined) {
      next();
      return;
    }
    const source =
      'file' in track
        ? track.file
        : bufferSource(track.bytes, { type: track.type, lastModified: track.updatedAt, name: req.params.id });
    // sendRange rejects only before anything was written, so next(err) can still answer.
    sendRange(req, res, source, options).catch(next);
  });

  return app;
}

/** The demo catalogue: a beep generated in memory, and the player's sample files when present. */
export function demoCatalogue(mediaDir: string): Map<string, Track> {
  return new Map<string, Track>([
    ['beep', { title: 'A one-second beep (in memory)', bytes: sineWav(1, 880), type: 'audio/wav', updatedAt: new Date('2025-01-01') }],
    ['tone', { title: 'The player’s tone (a file)', file: resolve(mediaDir, 'tone.wav') }],
    ['clip', { title: 'The player’s clip (a file)', file: resolve(mediaDir, 'clip.mp4') }],
  ]);
}

/** A mono 16-bit PCM WAV of a sine tone. */
export function sineWav(seconds: number, frequency: number, sampleRate = 8_000): Buffer {
  const samples = Math.round(seconds * sampleRate);
  const wav = Buffer.alloc(44 + samples * 2);
  wav.write('RIFF', 0, 'latin1');
  wav.writeUInt32LE(36 + samples * 2, 4);
  wav.write('WAVEfmt ', 8, 'latin1');
  wav.writeUInt32LE(16, 16); // fmt chunk size
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(sampleRate, 24);
  wav.writeUInt32LE(sampleRate * 2, 28); // byte rate
  wav.writeUInt16LE(2, 32); // block align
  wav.writeUInt16LE(16, 34); // bits per sample
  wav.write('data', 36, 'latin1');
  wav.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) {
    wav.writeInt16LE(Math.round(Math.sin((2 * Math.PI * frequency * i) / sampleRate) * 12_000), 44 + i * 2);
  }
  return wav;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const mediaDir = process.env['MEDIA_DIR'] ?? fileURLToPath(new URL('./player/media', import.meta.url));
  const port = Number(process.env['PORT'] ?? 3001);
  createCatalogueApp(demoCatalogue(mediaDir), { maxAge: '1h' }).listen(port, '127.0.0.1', () => {
    console.log(`Catalogue: http://127.0.0.1:${port}/tracks`);
  });
}
