import { serveFiles } from 'partial-content/fetch'; // 'npm:partial-content/fetch' without a package.json

const files = serveFiles(Deno.env.get('MEDIA_DIR') ?? './media');

Deno.serve(
  { hostname: '127.0.0.1', port: Number(Deno.env.get('PORT') ?? 3000) },
  async (request) => (await files(request)) ?? new Response('Not Found', { status: 404 }),
);
