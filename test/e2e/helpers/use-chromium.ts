import { afterAll, beforeAll } from 'vitest';
import { launchChromium, type Chromium } from './browser.js';

// Apart from browser.ts because it registers vitest hooks: global-setup.ts, which runs outside the
// test runner, imports browser.ts too.

/**
 * One Chromium for the calling test file: launched in `beforeAll`, closed in `afterAll`. Returns
 * a handle whose `newPage` reaches the browser launched for the file.
 */
export function useChromium(viewport?: { width: number; height: number }, extraArgs?: readonly string[]): Pick<Chromium, 'newPage'> {
  let launched: Chromium | undefined;
  beforeAll(async () => {
    launched = await launchChromium(viewport, extraArgs);
  });
  afterAll(async () => {
    await launched?.close();
  });
  return {
    newPage: () => {
      if (launched === undefined) throw new Error('Chromium is not running (its beforeAll failed)');
      return launched.newPage();
    },
  };
}

