import { connect } from 'node:net';

/** One HTTP/1.1 answer as it came off the wire: every header line kept, in order, with its framing. */
export interface WireAnswer {
  readonly status: number;
  /** `[lower-case name, value]` for every header line, duplicates included. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** The body with chunked framing removed. */
  readonly body: Buffer;
}

/**
 * Sends one request with its target written byte for byte and reads the answer until the server
 * closes (`Connection: close`), within `timeoutMs`. Unlike an HTTP client it keeps repeated header
 * lines and `Transfer-Encoding`, so two runtimes' answers can be compared field by field.
 */
export function wireRequest(port: number, target: string, headers: Record<string, string> = {}, method = 'GET', timeoutMs = 20_000): Promise<WireAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no complete answer within ${timeoutMs} ms: ${method} ${target}`)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      try {
        resolve(parseAnswer(Buffer.concat(chunks), method));
      } catch (error) {
        reject(error);
      }
    });
    const lines = [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    socket.write(Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'));
  });
}

function parseAnswer(raw: Buffer, method: string): WireAnswer {
  const split = raw.indexOf('\r\n\r\n');
  if (split === -1) throw new Error(`incomplete answer: ${raw.toString('latin1').slice(0, 200)}`);
  const [statusLine = '', ...lines] = raw.subarray(0, split).toString('latin1').split('\r\n');
  const headers = lines.map((line): [string, string] => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
  });
  const status = Number(statusLine.split(' ')[1]);
  let body = raw.subarray(split + 4);
  const chunked = headers.some(([name, value]) => name === 'transfer-encoding' && value.toLowerCase() === 'chunked');
  if (chunked && method !== 'HEAD' && status !== 304) body = dechunk(body);
  return { status, headers, body };
}

/** The payload of a chunked body; throws when the framing is cut or malformed. */
function dechunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  for (let guard = 0; guard < 1_000_000; guard++) {
    const lineEnd = data.indexOf('\r\n', offset);
    if (lineEnd === -1) throw new Error('chunked body cut before its last chunk');
    const size = Number.parseInt(data.subarray(offset, lineEnd).toString('latin1'), 16);
    if (!Number.isSafeInteger(size) || size < 0) throw new Error('malformed chunk size');
    if (size === 0) return Buffer.concat(parts);
    if (lineEnd + 2 + size + 2 > data.length) throw new Error('chunked body cut inside a chunk');
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  throw new Error('too many chunks');
}
