/**
 * An error with HTTP meaning, shaped like `http-errors` so Express's final handler renders it:
 * `status`/`statusCode`, `expose` (whether the message is safe to show), optional response `headers`
 * and the original `cause`.
 */
export class HttpError extends Error {
  readonly status: number;
  readonly statusCode: number;
  readonly expose: boolean;
  readonly headers: Readonly<Record<string, string>> | undefined;
  readonly code: string | undefined;

  constructor(
    status: number,
    message: string,
    init: { cause?: unknown; headers?: Record<string, string>; code?: string } = {},
  ) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'HttpError';
    this.status = status;
    this.statusCode = status;
    // Client errors describe the request; server errors may describe our internals.
    this.expose = status < 500;
    this.headers = init.headers;
    this.code = init.code ?? (init.cause as NodeJS.ErrnoException | undefined)?.code;
  }
}

const NOT_FOUND_CODES = new Set(['ENOENT', 'ENOTDIR', 'ENAMETOOLONG', 'EISDIR', 'ELOOP']);
const BUSY_CODES = new Set(['EMFILE', 'ENFILE']);

/**
 * Maps an error thrown while opening a source to an {@link HttpError}: missing files → 404,
 * descriptor exhaustion → 503 with `Retry-After`, an error that already carries a status keeps it,
 * anything else → 500.
 */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && NOT_FOUND_CODES.has(code)) return new HttpError(404, 'Not Found', { cause: error });
  if (code === 'EACCES' || code === 'EPERM') return new HttpError(403, 'Forbidden', { cause: error });
  if (code !== undefined && BUSY_CODES.has(code)) {
    return new HttpError(503, 'Service Unavailable', { cause: error, headers: { 'Retry-After': '1' } });
  }
  const status = (error as { status?: unknown } | undefined)?.status;
  if (typeof status === 'number' && status >= 400 && status <= 599) {
    return new HttpError(status, (error as Error).message, { cause: error });
  }
  return new HttpError(500, 'Internal Server Error', { cause: error });
}
