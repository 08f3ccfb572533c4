import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** The WAV the player always has: 16-bit PCM, stereo. */
export interface ToneOptions {
  /** Length in seconds. */
  readonly seconds: number;
  /** @default 44100 */
  readonly sampleRate?: number;
}

const CHANNELS = 2;
const BYTES_PER_SAMPLE = 2;
/** Size of the canonical PCM WAV header written here (RIFF + fmt + data chunk headers). */
export const WAV_HEADER_BYTES = 44;

// A slow I–vi–IV–V pad in C (Cmaj7, Am7, Fmaj7, G6), one chord every 8 s, crossfaded over 2 s.
const CHORDS: readonly (readonly number[])[] = [
  [130.81, 164.81, 196.0, 246.94],
  [110.0, 130.81, 164.81, 196.0],
  [87.31, 130.81, 174.61, 220.0],
  [98.0, 146.83, 196.0, 246.94],
];
const CHORD_SECONDS = 8;
const CROSSFADE_SECONDS = 2;
// A soft bell every 10 s (pitch walks up a pentatonic scale), so a seek is audible.
const BELLS = [523.25, 587.33, 659.25, 783.99, 880.0];

/**
 * Writes a gentle, slowly changing stereo tone as a PCM WAV, in one-second chunks. It is written to
 * a hidden temporary name beside `path` and renamed at the end, so an interrupted run never leaves
 * a short file behind (and the player, which ignores dotfiles, never lists the partial one).
 *
 * @example
 * await writeToneWav('media/tone.wav', { seconds: 180 }); // 44.1 kHz 16-bit stereo, ≈ 31.8 MB
 */
export async function writeToneWav(path: string, options: ToneOptions): Promise<void> {
  const sampleRate = options.sampleRate ?? 44_100;
  const frames = Math.round(options.seconds * sampleRate);
  if (!Number.isSafeInteger(frames) || frames <= 0) throw new RangeError(`seconds must be positive, got ${options.seconds}`);
  const dataBytes = frames * CHANNELS * BYTES_PER_SAMPLE;
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.partial`);
  const file = await open(temporary, 'w');
  try {
    await file.write(wavHeader(sampleRate, dataBytes));
    for (let first = 0; first < frames; first += sampleRate) {
      await file.write(renderFrames(first, Math.min(sampleRate, frames - first), sampleRate, frames));
    }
    await file.close();
    await rename(temporary, path);
  } catch (error) {
    await file.close().catch(() => undefined);
    await rm(temporary, { force: true });
    throw error;
  }
}

/** Bytes per second of audio in the WAVs this module writes. */
export function wavByteRate(sampleRate = 44_100): number {
  return sampleRate * CHANNELS * BYTES_PER_SAMPLE;
}

function wavHeader(sampleRate: number, dataBytes: number): Buffer {
  const header = Buffer.alloc(WAV_HEADER_BYTES);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVE', 8, 'latin1');
  header.write('fmt ', 12, 'latin1');
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(CHANNELS, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(wavByteRate(sampleRate), 28);
  header.writeUInt16LE(CHANNELS * BYTES_PER_SAMPLE, 32); // block align
  header.writeUInt16LE(BYTES_PER_SAMPLE * 8, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(dataBytes, 40);
  return header;
}

function renderFrames(first: number, count: number, sampleRate: number, total: number): Buffer {
  const left = new Float64Array(count);
  const right = new Float64Array(count);
  // Chunks are whole seconds and chords last whole seconds, so one chunk sits inside one chord slot.
  const slot = Math.floor(first / sampleRate / CHORD_SECONDS);
  const slotStart = slot * CHORD_SECONDS * sampleRate;
  const blend = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const intoSlot = (first + i - slotStart) / sampleRate;
    blend[i] = intoSlot < CROSSFADE_SECONDS && slot > 0 ? 0.5 - 0.5 * sine(intoSlot / CROSSFADE_SECONDS / 2 + 0.25) : 1;
  }
  for (const frequency of CHORDS[slot % CHORDS.length] ?? []) {
    addVoice(left, frequency, first, sampleRate, blend, false);
    addVoice(right, frequency * 1.002, first, sampleRate, blend, false); // a slight detune: slow chorus
  }
  if ((blend[0] ?? 1) < 1) {
    for (const frequency of CHORDS[(slot + CHORDS.length - 1) % CHORDS.length] ?? []) {
      addVoice(left, frequency, first, sampleRate, blend, true);
      addVoice(right, frequency * 1.002, first, sampleRate, blend, true);
    }
  }

  const out = Buffer.alloc(count * CHANNELS * BYTES_PER_SAMPLE);
  // Int16Array stores in platform order; every platform Node supports is little-endian, as WAV is.
  const samples = new Int16Array(out.buffer, out.byteOffset, count * CHANNELS);
  const fadeFrames = 2 * sampleRate;
  for (let i = 0; i < count; i++) {
    const frame = first + i;
    const t = frame / sampleRate;
    let bell = 0;
    const sinceBell = t % 10;
    if (sinceBell < 1.5) {
      const pitch = BELLS[Math.floor(t / 10) % BELLS.length] ?? 440;
      bell = 0.1 * Math.exp(-4 * sinceBell) * sine(pitch * t);
    }
    const gain = Math.min(1, frame / fadeFrames, (total - frame) / fadeFrames);
    samples[i * 2] = Math.round(clamp(((left[i] ?? 0) + bell) * gain) * 32_000);
    samples[i * 2 + 1] = Math.round(clamp(((right[i] ?? 0) + bell) * gain) * 32_000);
  }
  return out;
}

/**
 * Adds one voice (a sine with a touch of second harmonic and a slow swell) to `out`, weighted by
 * `weights` (or by `1 - weights` for the chord fading out).
 */
function addVoice(
  out: Float64Array,
  frequency: number,
  first: number,
  sampleRate: number,
  weights: Float64Array,
  fadingOut: boolean,
): void {
  const step = frequency / sampleRate;
  let phase = (frequency * first) / sampleRate;
  phase -= Math.floor(phase);
  for (let i = 0; i < out.length; i++) {
    const t = (first + i) / sampleRate;
    const swell = 0.85 + 0.15 * sine(0.11 * t + frequency / 100);
    const weight = fadingOut ? 1 - (weights[i] ?? 1) : (weights[i] ?? 1);
    out[i] = (out[i] ?? 0) + weight * 0.085 * swell * (sine(phase) + 0.25 * sine(2 * phase));
    phase += step;
    if (phase >= 1) phase -= 1;
  }
}

// A sine table with linear interpolation: an order of magnitude faster than Math.sin per sample,
// and far below 16-bit quantisation noise.
const TABLE_SIZE = 4096;
const SINE_TABLE = Float64Array.from({ length: TABLE_SIZE + 1 }, (_, i) => Math.sin((2 * Math.PI * i) / TABLE_SIZE));

/** sin(2π · cycles). */
function sine(cycles: number): number {
  const position = (cycles - Math.floor(cycles)) * TABLE_SIZE;
  const index = Math.floor(position);
  const low = SINE_TABLE[index] ?? 0;
  const high = SINE_TABLE[index + 1] ?? 0;
  return low + (high - low) * (position - index);
}

function clamp(sample: number): number {
  return sample > 1 ? 1 : sample < -1 ? -1 : sample;
}
