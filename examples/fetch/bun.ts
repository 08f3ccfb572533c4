import { serveFiles } from 'partial-content/fetch';

const files = serveFiles(Bun.env.MEDIA_DIR ?? './media');

const server = Bun.serve({
  hostname: '127.0.0.1',
  port: Number(Bun.env.PORT ?? 3000),
  fetch: async (request) => (await files(request)) ?? new Response('Not Found', { status: 404 }),
});
console.log(`Listening on ${server.url}`);
