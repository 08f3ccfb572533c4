import { Hono } from 'hono';
import { serveFiles } from 'partial-content/fetch';

const files = serveFiles(process.env['MEDIA_DIR'] ?? './media', { maxAge: '1d' });

export const app = new Hono();
// GET routes answer HEAD too; what serveFiles does not serve goes on to the app's next handler.
app.get('/media/*', async (c, next) => {
  const response = await files(c.req.raw, new URL(c.req.url).pathname.slice('/media'.length));
  return response ?? next();
});
