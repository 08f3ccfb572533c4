// app/media/[...path]/route.ts in a Next.js App Router project.
import { serveFiles } from 'partial-content/fetch';

export const runtime = 'nodejs'; // files are read with node:fs: not on the Edge runtime

const files = serveFiles(process.env['MEDIA_DIR'] ?? './media');

export async function GET(request: Request): Promise<Response> {
  const path = new URL(request.url).pathname.slice('/media'.length);
  return (await files(request, path)) ?? new Response('Not Found', { status: 404 });
}
export { GET as HEAD };
