// The reference the fetch shell is measured against (issue 15): the least a Bun server can do to
// answer `Range: bytes=a-b` from a file — no validators, no preconditions, no checks beyond the parse.
// Usage: bun bun-minimal.ts <root>; prints {"port":N}; exits when stdin closes.
import process from 'node:process';

interface BunServe { serve(options: { port: number; hostname: string; fetch: (request: Request) => Response }): { port: number } }
interface BunFile { file(path: string): Blob }
const Bun = (globalThis as unknown as { Bun: BunServe & BunFile }).Bun;
const root = process.argv[2] ?? '.';

const server = Bun.serve({
  port: 0,
  hostname: '127.0.0.1',
  fetch(request) {
    const file = Bun.file(root + new URL(request.url).pathname);
    const match = /^bytes=(\d+)-(\d+)$/.exec(request.headers.get('range') ?? '');
    if (match === null) return new Response(file);
    const start = Number(match[1]);
    const end = Math.min(Number(match[2]), file.size - 1);
    return new Response(file.slice(start, end + 1), {
      status: 206,
      headers: { 'Content-Range': `bytes ${start}-${end}/${file.size}` },
    });
  },
});
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
