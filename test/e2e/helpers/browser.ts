import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium; CI installs it with apt. `CHROMIUM_PATH` points elsewhere. */
export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** Flags for a quiet, reproducible headless run that may autoplay. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--autoplay-policy=no-user-gesture-required',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Throws, with the install command, when Chromium is missing: the e2e run must fail, never skip. */
export function requireChromium(): string {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}. The browser tests need it; install it with:\n\n` +
        '    sudo apt-get install -y chromium\n\n(or set CHROMIUM_PATH to another Chromium binary)',
    );
  }
  return CHROMIUM_PATH;
}

export interface Chromium {
  readonly context: BrowserContext;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile (so the HTTP cache starts empty); `extraArgs` follow {@link CHROMIUM_ARGS}. */
export async function launchChromium(viewport = { width: 1100, height: 800 }, extraArgs: readonly string[] = []): Promise<Chromium> {
  const executablePath = requireChromium();
  const profile = mkdtempSync(join(tmpdir(), 'partial-content-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: [...CHROMIUM_ARGS, ...extraArgs],
      viewport,
      timeout: 60_000,
    });
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
  return {
    context,
    newPage: () => context.newPage(),
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
