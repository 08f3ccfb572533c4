import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { makeCertificate, type Certificate } from '../../helpers/h2.js';
import { startH2Child, type H2Child } from './spawn-h2.js';

/** The file the abort tests leave mid-body: 1 GiB, sparse (no disk used, but every read(2) counts in rchar). */
export const BIG = 'big.bin';
export const BIG_SIZE = 2 ** 30;
/** "A few chunks" (the body goes out in chunks of 64 KiB): what may be read after the client left. */
export const READ_AFTER_ABORT_LIMIT = 512 * 1024;

export interface SparseH2Child {
  readonly child: H2Child;
  readonly certificate: Certificate;
  /** How many descriptors the child holds on {@link BIG}. */
  openBig(): number;
}

/**
 * Hooks for a fault file: before all, {@link BIG} in a fresh temp folder (`prefix…`) served by the
 * HTTP/2 child (h2-server.ts, also on plain HTTP/1.1); after all, the child stopped — no descriptor of
 * it closed by the garbage collector (Node warns on stderr) — and the folder removed.
 */
export function useSparseH2Child(prefix: string): SparseH2Child {
  let certificate: Certificate | undefined;
  let root: string | undefined;
  let child: H2Child | undefined;

  beforeAll(async () => {
    certificate = makeCertificate();
    root = mkdtempSync(join(tmpdir(), prefix));
    writeFileSync(join(root, BIG), '');
    truncateSync(join(root, BIG), BIG_SIZE);
    child = await startH2Child(root, certificate.dir);
  });

  afterAll(async () => {
    await child?.stop();
    expect(child?.stderr() ?? '').not.toMatch(/garbage collection/);
    if (root !== undefined) rmSync(root, { recursive: true, force: true });
    certificate?.cleanup();
  });

  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the HTTP/2 child is not started (use it inside tests)');
    return value;
  };
  return {
    get child() {
      return started(child);
    },
    get certificate() {
      return started(certificate);
    },
    openBig: () => started(child).descriptors().filter((target) => target.endsWith(`/${BIG}`)).length,
  };
}
