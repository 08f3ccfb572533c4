import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { upstreamServers } from '../helpers/nginx.js';

const ORIGIN_LINES = '        server 127.0.0.1:3001;\n        server 127.0.0.1:3002;\n';

/**
 * examples/edge/nginx.conf as it is, except for addresses: its two origins become `originPorts` (one
 * `server` line each) and the edge listens on startNginxConfig's `{{PORT}}`.
 */
export function exampleEdgeConfig(originPorts: readonly number[]): string {
  let config = readFileSync(new URL('../../examples/edge/nginx.conf', import.meta.url), 'utf8');
  for (const [from, to] of [
    [ORIGIN_LINES, `        ${upstreamServers(originPorts)}\n`],
    ['listen 127.0.0.1:8080;', 'listen 127.0.0.1:{{PORT}};'],
  ] as const) {
    expect(config.split(from), `examples/edge/nginx.conf should contain ${JSON.stringify(from)} once`).toHaveLength(2);
    config = config.replace(from, to);
  }
  return config;
}
