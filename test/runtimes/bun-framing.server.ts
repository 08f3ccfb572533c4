// A bare Bun.serve, no library: the minimal repro of how Bun frames the bodies a multipart answer
// could be made of. Usage: bun bun-framing.server.ts <file>; prints `listening <port>`.
interface BunFile extends Blob {
  slice(start: number, end: number): Blob;
}
interface BunLike {
  file(path: string): BunFile;
  serve(options: { port: number; hostname: string; fetch: (request: Request) => Response }): { port: number };
}
const { Bun } = globalThis as unknown as { Bun: BunLike };
const path = process.argv[2]!;
const LENGTH = 100_000;

/** `LENGTH` zero bytes in 64 KiB chunks, each made only when asked for. */
function stream(): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (sent === LENGTH) return controller.close();
        const size = Math.min(65_536, LENGTH - sent);
        sent += size;
        controller.enqueue(new Uint8Array(size));
      },
    },
    { highWaterMark: 0 },
  );
}

const server = Bun.serve({
  port: 0,
  hostname: '127.0.0.1',
  fetch(request) {
    const headers = { 'Content-Type': 'multipart/byteranges; boundary=x', 'Content-Length': String(LENGTH) };
    switch (new URL(request.url).pathname) {
      // A streamed body with its exact length set by the handler.
      case '/stream':
        return new Response(stream(), { status: 206, headers });
      // The same as a byte stream.
      case '/byte-stream':
        return new Response(new ReadableStream({ type: 'bytes', pull: (c) => (c.enqueue(new Uint8Array(LENGTH)), c.close()) }), { status: 206, headers });
      // A Blob composed of framing bytes and a file slice, which could have stayed file-backed.
      case '/composed':
        return new Response(new Blob([new Uint8Array(4), Bun.file(path).slice(0, LENGTH - 4)]), { status: 206, headers });
      // One file slice: the body Bun sends with its length (and sendfile).
      default:
        return new Response(Bun.file(path).slice(0, LENGTH), { status: 206, headers });
    }
  },
});
process.stdout.write(`listening ${server.port}\n`);
