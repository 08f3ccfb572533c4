// The reference the fetch shell is measured against (issue 15): the least a Bun server can do to
// answer `Range: bytes=a-b` from a file — no validators, no preconditions, no checks beyond the parse.
// With `stat`, it first awaits one node:fs `stat` of the file, as any server must that never blocks
// its event loop on the disk (Bun.file().size is a blocking stat) and never answers with stale
// validators: what that one call costs is the part of the gap no fetch shell can close.
// Usage: bun bun-minimal.ts <root> [stat]; prints {"port":N}; exits when stdin closes.
import { stat } from 'node:fs/promises';
import process from 'node:process';

interface BunServe { serve(options: { port: number; hostname: string; fetch: (request: Request) => Response | Promise<Response> }): { port: number } }
interface BunFile { file(path: string): Blob }
const Bun = (globalThis as unknown as { Bun: BunServe & BunFile }).Bun;
const root = process.argv[2] ?? '.';
const statFirst = process.argv[3] === 'stat';

/** `size`: from the awaited stat; without one, Bun.file's own (blocking) stat. */
function answer(request: Request, path: string, size?: number): Response {
  const file = Bun.file(path);
  const match = /^bytes=(\d+)-(\d+)$/.exec(request.headers.get('range') ?? '');
  if (match === null) return new Response(file);
  const start = Number(match[1]);
  const total = size ?? file.size;
  const end = Math.min(Number(match[2]), total - 1);
  return new Response(file.slice(start, end + 1), {
    status: 206,
    headers: { 'Content-Range': `bytes ${start}-${end}/${total}` },
  });
}

const server = Bun.serve({
  port: 0,
  hostname: '127.0.0.1',
  fetch(request) {
    const path = root + new URL(request.url).pathname;
    return statFirst ? stat(path).then((stats) => answer(request, path, stats.size)) : answer(request, path);
  },
});
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
