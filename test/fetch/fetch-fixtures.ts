import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createFixtures, patterned, type Fixtures } from '../helpers/fixtures.js';
import { addCorpusFixtures } from '../security/traversal-corpus.js';

/** Last-Modified of data.bin: old enough to be a strong validator. */
export const OLD = new Date('2024-03-01T12:00:00Z');

/**
 * The shared fixtures plus what the fetch suite needs: k2.bin (2,048 patterned bytes), an old
 * mtime on data.bin, and the traversal corpus's own files and symlinks.
 */
export function createFetchFixtures(): Fixtures {
  const fixtures = createFixtures();
  const { root } = fixtures;
  const files: Record<string, Buffer> = { ...fixtures.files, 'k2.bin': patterned(2048, 5) };
  writeFileSync(join(root, 'k2.bin'), files['k2.bin']!);
  utimesSync(join(root, 'data.bin'), OLD, OLD);
  Object.assign(files, addCorpusFixtures(root));
  return { ...fixtures, files };
}
