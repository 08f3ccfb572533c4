/**
 * Polls `check` until it returns a value other than `undefined`/`false`, every `intervalMs`, and fails
 * with `message` once `timeoutMs` passed: a bounded wait instead of a sleep followed by an assertion.
 */
export async function until<T>(check: () => T | undefined | false, message: string, timeoutMs = 10_000, intervalMs = 10): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms: ${message}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
