import mime from 'mime';

const DEFAULT_TYPE = 'application/octet-stream';
const cache = new Map<string, string>();

/**
 * `Content-Type` for a file name, from its extension: `audio/mpeg`, `text/plain; charset=utf-8` …
 * Text types get `charset=utf-8`; an unknown extension gives `application/octet-stream`.
 */
export function contentTypeFor(name: string | undefined): string {
  if (name === undefined) return DEFAULT_TYPE;
  const dot = name.lastIndexOf('.');
  const extension = dot === -1 ? '' : name.slice(dot + 1).toLowerCase();
  let type = cache.get(extension);
  if (type === undefined) {
    type = withCharset(mime.getType(extension) ?? DEFAULT_TYPE);
    // The key space is bounded by the extensions mime knows plus what requests bring; keep it small.
    if (cache.size < 1000) cache.set(extension, type);
  }
  return type;
}

/** Adds `; charset=utf-8` to text types (and JSON) that do not name a charset. */
export function withCharset(type: string): string {
  if (/;\s*charset=/i.test(type)) return type;
  return type.startsWith('text/') || type === 'application/json' ? `${type}; charset=utf-8` : type;
}
