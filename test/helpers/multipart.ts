export interface ParsedPart {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/**
 * Parses a multipart/byteranges body strictly (RFC 9110 §14.6, RFC 2046): every delimiter must be
 * where the framing says, so a wrong length or a missing CRLF fails the parse.
 */
export function parseMultipart(body: Buffer, contentType: string): ParsedPart[] {
  const match = /^multipart\/byteranges; boundary=([0-9A-Za-z'()+_,./:=?-]{1,70})$/.exec(contentType);
  if (match?.[1] === undefined) throw new Error(`not multipart/byteranges: ${contentType}`);
  const delimiter = Buffer.from(`--${match[1]}`);
  const parts: ParsedPart[] = [];
  let offset = body.indexOf(delimiter);
  if (offset !== 0) throw new Error('body does not start with the boundary');
  for (;;) {
    offset += delimiter.length;
    if (body.subarray(offset, offset + 4).toString() === '--\r\n') {
      if (offset + 4 !== body.length) throw new Error('bytes after the closing delimiter');
      return parts;
    }
    const headerEnd = body.indexOf('\r\n\r\n', offset);
    const headers: Record<string, string> = {};
    for (const line of body.subarray(offset + 2, headerEnd).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const range = /^bytes (\d+)-(\d+)\/\d+$/.exec(headers['content-range'] ?? '');
    if (range?.[1] === undefined || range[2] === undefined) throw new Error('part without Content-Range');
    const length = Number(range[2]) - Number(range[1]) + 1;
    const start = headerEnd + 4;
    parts.push({ headers, body: body.subarray(start, start + length) });
    offset = start + length;
    if (body.subarray(offset, offset + 2).toString() !== '\r\n' || body.indexOf(delimiter, offset) !== offset + 2) {
      throw new Error(`part framing broken at ${offset}`);
    }
    offset += 2;
  }
}
