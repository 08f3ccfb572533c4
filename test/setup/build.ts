import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';

/** Builds dist/ once per run so the package-loading tests never see a stale build. */
export default function setup(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
