/** The Content-Type each shell must send for the shared fixtures, on a 200 and on a 206 alike. */
export const CONTENT_TYPE_CASES: ReadonlyArray<readonly [name: string, type: string]> = [
  ['nums.txt', 'text/plain; charset=utf-8'],
  ['sub/track.ogg', 'audio/ogg'],
  ['clip.mp4', 'video/mp4'],
  ['data.bin', 'application/octet-stream'],
];
