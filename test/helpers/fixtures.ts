import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Bytes where byte i is i mod 251: a prime period, so no off-by-one slice can equal another. */
export function patterned(size: number, offset = 0): Buffer {
  const bytes = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) bytes[i] = (i + offset) % 251;
  return bytes;
}

export interface Fixtures {
  /** The served root. */
  readonly root: string;
  /** A folder beside the root, holding what must never be served. */
  readonly outside: string;
  /** Contents by file name (relative to root). */
  readonly files: Readonly<Record<string, Buffer>>;
  cleanup(): void;
}

/**
 * A fresh temp folder with the fixture set the HTTP suites share:
 * nums.txt ("0123456789" ×10), data.bin (patterned, 10,000 bytes), song.mp3 (patterned, 300 KiB),
 * empty.bin, a dotfile, a subfolder, names that must still be served, and symlinks in and out of root.
 */
export function createFixtures(): Fixtures {
  const base = mkdtempSync(join(tmpdir(), 'partial-content-'));
  const root = join(base, 'root');
  const outside = join(base, 'outside');
  mkdirSync(join(root, 'sub'), { recursive: true });
  mkdirSync(join(root, '.hidden'), { recursive: true });
  mkdirSync(outside, { recursive: true });

  const files: Record<string, Buffer> = {
    'nums.txt': Buffer.from('0123456789'.repeat(10)),
    'data.bin': patterned(10_000),
    'song.mp3': patterned(300 * 1024, 7),
    'clip.mp4': patterned(5 * 1024 * 1024, 3),
    'empty.bin': Buffer.alloc(0),
    'sub/track.ogg': patterned(4_096, 11),
    'foo..bar.txt': Buffer.from('dots inside a name are fine'),
    'some thing.txt': Buffer.from('spaces are fine'),
    'naïve café.txt': Buffer.from('non-ASCII is fine'),
    '.env': Buffer.from('SECRET=1'),
    '.hidden/inside.txt': Buffer.from('hidden'),
  };
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(root, name), bytes);

  writeFileSync(join(outside, 'secret.txt'), 'outside root');
  symlinkSync(join(outside, 'secret.txt'), join(root, 'escape.txt'));
  symlinkSync(outside, join(root, 'escape-dir'));
  symlinkSync(join(root, 'nums.txt'), join(root, 'alias.txt'));

  return { root, outside, files, cleanup: () => rmSync(base, { recursive: true, force: true }) };
}
