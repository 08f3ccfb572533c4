import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { RUNTIME_BINARIES, runtimeInstalled } from '../fetch/runtime-server.js';

/** Refuses to start without the runtimes (saying what to install), then builds dist/ for them. */
export default function setup(): void {
  const missing = (['bun', 'deno'] as const).filter((runtime) => !runtimeInstalled(runtime));
  if (missing.length > 0) {
    throw new Error(
      `npm run test:runtimes needs Bun and Deno; missing: ${missing.map((r) => RUNTIME_BINARIES[r]).join(', ')}.\n` +
        'Install them (about 150 MB, Linux x64) with: npm ci --prefix test/runtimes',
    );
  }
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
