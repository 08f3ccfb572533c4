// partial-content/fetch's serveFiles on Bun.serve or Deno.serve, loaded from dist/ as an installed
// package would be. Usage: bun|deno fetch-shell.ts <root>; prints {"port":N}; exits when stdin closes.
import process from 'node:process';
import { serveFiles } from '../../dist/fetch.js';

type Handler = (request: Request) => Promise<Response>;
interface BunLike { serve(options: { port: number; hostname: string; fetch: Handler }): { port: number } }
interface DenoLike { serve(options: { port: number; hostname: string; onListen: (address: { port: number }) => void }, handler: Handler): unknown }
const { Bun, Deno } = globalThis as { Bun?: BunLike; Deno?: DenoLike };

const files = serveFiles(process.argv[2] ?? '.');
const app: Handler = async (request) => (await files(request)) ?? new Response('Not Found', { status: 404 });
const announce = (port: number): void => {
  process.stdout.write(`${JSON.stringify({ port })}\n`);
};
if (Bun !== undefined) announce(Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: app }).port);
else if (Deno !== undefined) Deno.serve({ port: 0, hostname: '127.0.0.1', onListen: ({ port }) => announce(port) }, app);
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
