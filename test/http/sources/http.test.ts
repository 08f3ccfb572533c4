import { expect, it } from 'vitest';
import { httpSource, partialContent } from '../../../src/index.js';
import { nginxAvailability, startNginx } from '../../helpers/nginx.js';
import { createApp, listen, withSentinels } from '../../helpers/server.js';
import { describeConformance, typeOf } from '../../helpers/source-conformance.js';

// httpSource against two real origins: an app using this library, and nginx serving the same folder.
// What httpSource asks an origin, and how it treats a misbehaving one: upstream-protocol.test.ts.

describeConformance('upstream: an app using this library', async (fixtures) => {
  const origin = createApp();
  origin.use('/media', partialContent(fixtures.root));
  withSentinels(origin);
  const upstream = await listen(origin);
  return { input: (file) => httpSource(`${upstream.url}/media/${file}`), type: typeOf, close: upstream.close };
});

/** nginx serving the fixture folder statically, with the same types as this library. */
const NGINX_STATIC = (root: string): string => `
  types { text/plain txt; audio/mpeg mp3; video/mp4 mp4; application/octet-stream bin; }
  default_type application/octet-stream;
  charset utf-8;
  charset_types text/plain;
  server {
    listen 127.0.0.1:{{PORT}};
    root ${root};
  }`;

const nginxMode = nginxAvailability('sources/http.test');
if (nginxMode === 'fail') {
  it('nginx is installed (CI installs it with apt-get; the nginx conformance run needs /usr/sbin/nginx)', () => {
    expect.fail('/usr/sbin/nginx is missing in CI: .ci/run should have installed nginx');
  });
}
if (nginxMode === 'run') {
  describeConformance('upstream: nginx', async (fixtures) => {
    const nginx = await startNginx(NGINX_STATIC(fixtures.root));
    return { input: (file) => httpSource(`${nginx.url}/${file}`), type: typeOf, close: () => nginx.stop() };
  });
}
