// partial-content/fetch's serveFiles on Bun.serve or Deno.serve. Usage:
// bun|deno fetch-shell.ts <root> [<library fetch.js>]; the library defaults to the repository's dist/
// (npm run bench passes the one it built from src/). Prints {"port":N}; exits when stdin closes.
import process from 'node:process';
import { pathToFileURL } from 'node:url';

type Handler = (request: Request) => Promise<Response>;
interface BunLike { serve(options: { port: number; hostname: string; fetch: Handler }): { port: number } }
interface DenoLike { serve(options: { port: number; hostname: string; onListen: (address: { port: number }) => void }, handler: Handler): unknown }
const { Bun, Deno } = globalThis as { Bun?: BunLike; Deno?: DenoLike };

const library = process.argv[3] === undefined ? new URL('../../dist/fetch.js', import.meta.url).href : pathToFileURL(process.argv[3]).href;
const { serveFiles } = (await import(library)) as typeof import('../../src/fetch.js');
const files = serveFiles(process.argv[2] ?? '.');
const app: Handler = async (request) => (await files(request)) ?? new Response('Not Found', { status: 404 });
const announce = (port: number): void => {
  process.stdout.write(`${JSON.stringify({ port })}\n`);
};
if (Bun !== undefined) announce(Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: app }).port);
else if (Deno !== undefined) Deno.serve({ port: 0, hostname: '127.0.0.1', onListen: ({ port }) => announce(port) }, app);
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
