// npx tsx bench/js-micro.ts: in-process cost of the pure per-request work (no sockets, no fs).
import { decide, type DecisionPolicy } from '../src/http/decide.js';
import { fileEntityTag, formatHttpDate } from '../src/http/validators.js';
import { planRanges } from '../src/range/plan-ranges.js';

const N = 500_000;
function time(name: string, fn: () => unknown): void {
  for (let i = 0; i < 50_000; i++) fn();
  const started = process.hrtime.bigint();
  for (let i = 0; i < N; i++) fn();
  process.stdout.write(`| ${name} | ${(Number(process.hrtime.bigint() - started) / N / 1000).toFixed(2)} |\n`);
}

const etag = fileEntityTag(64 << 20, 1763686280123.456, 2155436);
const representation = { size: 64 << 20, contentType: 'application/octet-stream', etag, lastModified: 1763686280123 };
const policy: DecisionPolicy = {
  acceptRanges: true,
  cacheControl: 'public, max-age=0',
  maxChunkSize: 2 * 1024 * 1024,
  maxRanges: 100,
  capOpenEnded: false,
  capVariesByFetchDest: false,
  now: Date.now(),
};
const dictionary = (): Record<string, string> => {
  const record: Record<string, string> = {};
  record['Cache-Control'] = 'public, max-age=0';
  record['ETag'] = etag;
  record['Last-Modified'] = 'Sat, 21 Nov 2026 00:51:20 GMT';
  return record;
};

process.stdout.write('| operation | µs per call |\n| --- | --: |\n');
time('decide: 200', () => decide({ method: 'GET', headers: {} }, representation, policy));
time('decide: 206, one range', () => decide({ method: 'GET', headers: { range: 'bytes=100-65635' } }, representation, policy));
time('decide: 304 (If-None-Match)', () => decide({ method: 'GET', headers: { 'if-none-match': etag } }, representation, policy));
time('planRanges: one range', () => planRanges(64 << 20, 'bytes=100-65635', policy));
time('formatHttpDate (same date again)', () => formatHttpDate(new Date(1763686280123)));
time('Date#toUTCString', () => new Date(1763686280123).toUTCString());
// decide()'s pattern before: copy the validator headers, add to the copy, copy it again with more.
time('headers built with object spread', () => {
  const headers: Record<string, string> = { ...dictionary() };
  headers['Accept-Ranges'] = 'bytes';
  const whole = { ...headers, 'Content-Type': 'application/octet-stream', 'Content-Length': '67108864' };
  headers['Content-Range'] = 'bytes 100-65635/67108864';
  return [whole, headers];
});
time('headers built with Object.assign', () => {
  const headers: Record<string, string> = Object.assign({}, dictionary());
  headers['Accept-Ranges'] = 'bytes';
  const whole = Object.assign({}, headers, { 'Content-Type': 'application/octet-stream', 'Content-Length': '67108864' });
  headers['Content-Range'] = 'bytes 100-65635/67108864';
  return [whole, headers];
});
