import { open } from 'node:fs/promises';

/** One top-level ISO-BMFF box (`ftyp`, `moov`, `mdat` …) of an MP4 file. */
export interface Mp4Box {
  readonly type: string;
  /** Byte offset of the box header. */
  readonly start: number;
  /** Box size in bytes, header included. */
  readonly size: number;
}

/**
 * Lists an MP4's top-level boxes by walking their headers (32-bit sizes, 64-bit `largesize`, and
 * size 0 meaning "to the end of the file"). Throws on a box that overruns the file.
 */
export async function topLevelBoxes(path: string): Promise<Mp4Box[]> {
  const file = await open(path, 'r');
  try {
    const { size: fileSize } = await file.stat();
    const boxes: Mp4Box[] = [];
    const header = Buffer.alloc(16);
    let offset = 0;
    // A real file has a handful of top-level boxes; the bound only stops a corrupt one looping.
    for (let count = 0; offset < fileSize && count < 10_000; count++) {
      const { bytesRead } = await file.read(header, 0, 16, offset);
      if (bytesRead < 8) throw new Error(`${path}: truncated box header at ${offset}`);
      let size = header.readUInt32BE(0);
      const type = header.toString('latin1', 4, 8);
      if (size === 1) {
        if (bytesRead < 16) throw new Error(`${path}: truncated largesize at ${offset}`);
        size = Number(header.readBigUInt64BE(8));
      } else if (size === 0) {
        size = fileSize - offset;
      }
      if (size < 8 || offset + size > fileSize) throw new Error(`${path}: box ${type} at ${offset} has bad size ${size}`);
      boxes.push({ type, start: offset, size });
      offset += size;
    }
    return boxes;
  } finally {
    await file.close();
  }
}

/** True when the `moov` box (the index a player needs first) comes after the media data. */
export function moovAtEnd(boxes: readonly Mp4Box[]): boolean {
  const moov = boxes.findIndex((box) => box.type === 'moov');
  const mdat = boxes.findIndex((box) => box.type === 'mdat');
  return moov !== -1 && mdat !== -1 && moov > mdat;
}
