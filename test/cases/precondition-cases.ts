/** Symbolic validator values, made concrete for the representation under test by `materialize`. */
export type TagToken = 'current' | 'weak-current' | 'other' | 'other, current' | 'other, weak-current' | '*' | 'garbage';
export type DateToken = 'same' | 'older' | 'newer' | 'garbage';

export interface ConditionalRequest {
  readonly 'if-match'?: TagToken;
  readonly 'if-none-match'?: TagToken;
  readonly 'if-modified-since'?: DateToken;
  readonly 'if-unmodified-since'?: DateToken;
}

export type Outcome = 'proceed' | 'not-modified' | 'precondition-failed';

export interface PreconditionCase {
  readonly name: string;
  readonly request: ConditionalRequest;
  readonly expected: Outcome;
}

/**
 * RFC 9110 §13.2.2 as data: each header alone, then the pairs that interact. Shared by the unit tests
 * (evaluatePreconditions) and the HTTP tests (with and without Range; 412 and 304 win over Range).
 */
export const PRECONDITION_CASES: readonly PreconditionCase[] = [
  { name: 'no preconditions', request: {}, expected: 'proceed' },
  // If-Match: strong comparison (§13.1.1).
  { name: 'If-Match current', request: { 'if-match': 'current' }, expected: 'proceed' },
  { name: 'If-Match other', request: { 'if-match': 'other' }, expected: 'precondition-failed' },
  { name: 'If-Match *', request: { 'if-match': '*' }, expected: 'proceed' },
  { name: 'If-Match weak form of current fails (strong comparison)', request: { 'if-match': 'weak-current' }, expected: 'precondition-failed' },
  { name: 'If-Match list containing current', request: { 'if-match': 'other, current' }, expected: 'proceed' },
  { name: 'If-Match garbage', request: { 'if-match': 'garbage' }, expected: 'precondition-failed' },
  // If-Unmodified-Since (§13.1.4).
  { name: 'If-Unmodified-Since same', request: { 'if-unmodified-since': 'same' }, expected: 'proceed' },
  { name: 'If-Unmodified-Since newer', request: { 'if-unmodified-since': 'newer' }, expected: 'proceed' },
  { name: 'If-Unmodified-Since older', request: { 'if-unmodified-since': 'older' }, expected: 'precondition-failed' },
  { name: 'If-Unmodified-Since garbage is ignored', request: { 'if-unmodified-since': 'garbage' }, expected: 'proceed' },
  // If-None-Match: weak comparison (§13.1.2).
  { name: 'If-None-Match current', request: { 'if-none-match': 'current' }, expected: 'not-modified' },
  { name: 'If-None-Match weak form of current (weak comparison)', request: { 'if-none-match': 'weak-current' }, expected: 'not-modified' },
  { name: 'If-None-Match other', request: { 'if-none-match': 'other' }, expected: 'proceed' },
  { name: 'If-None-Match *', request: { 'if-none-match': '*' }, expected: 'not-modified' },
  { name: 'If-None-Match list with weak current', request: { 'if-none-match': 'other, weak-current' }, expected: 'not-modified' },
  { name: 'If-None-Match garbage', request: { 'if-none-match': 'garbage' }, expected: 'proceed' },
  // If-Modified-Since (§13.1.3).
  { name: 'If-Modified-Since same', request: { 'if-modified-since': 'same' }, expected: 'not-modified' },
  { name: 'If-Modified-Since newer', request: { 'if-modified-since': 'newer' }, expected: 'not-modified' },
  { name: 'If-Modified-Since older', request: { 'if-modified-since': 'older' }, expected: 'proceed' },
  { name: 'If-Modified-Since garbage is ignored', request: { 'if-modified-since': 'garbage' }, expected: 'proceed' },
  // Pairs that interact (§13.2.2 order).
  { name: 'If-Match passes: If-Unmodified-Since is not evaluated', request: { 'if-match': 'current', 'if-unmodified-since': 'older' }, expected: 'proceed' },
  { name: 'If-Match fails despite a passing If-Unmodified-Since', request: { 'if-match': 'other', 'if-unmodified-since': 'newer' }, expected: 'precondition-failed' },
  { name: 'If-None-Match misses: If-Modified-Since is not evaluated', request: { 'if-none-match': 'other', 'if-modified-since': 'same' }, expected: 'proceed' },
  { name: 'If-None-Match matches despite an older If-Modified-Since', request: { 'if-none-match': 'current', 'if-modified-since': 'older' }, expected: 'not-modified' },
  { name: '412 from If-Match wins over a matching If-None-Match', request: { 'if-match': 'other', 'if-none-match': 'current' }, expected: 'precondition-failed' },
  { name: '412 from If-Unmodified-Since wins over If-Modified-Since', request: { 'if-unmodified-since': 'older', 'if-modified-since': 'same' }, expected: 'precondition-failed' },
  { name: 'If-Match passes, then If-None-Match matches', request: { 'if-match': 'current', 'if-none-match': 'current' }, expected: 'not-modified' },
  { name: 'If-Unmodified-Since passes, then If-None-Match matches', request: { 'if-unmodified-since': 'newer', 'if-none-match': 'current' }, expected: 'not-modified' },
  { name: 'If-Unmodified-Since passes, If-Modified-Since too old', request: { 'if-unmodified-since': 'same', 'if-modified-since': 'older' }, expected: 'proceed' },
];

/** Turns the symbolic request into real header values for a representation's ETag and Last-Modified. */
export function materialize(request: ConditionalRequest, etag: string, lastModified: Date): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, token] of Object.entries(request) as Array<[string, TagToken | DateToken]>) {
    headers[name] = tokenValue(token, etag, lastModified);
  }
  return headers;
}

function tokenValue(token: TagToken | DateToken, etag: string, lastModified: Date): string {
  const hour = 3_600_000;
  switch (token) {
    case 'current': return etag;
    case 'weak-current': return `W/${etag}`;
    case 'other': return '"not-the-current-tag"';
    case 'other, current': return `"not-the-current-tag", ${etag}`;
    case 'other, weak-current': return `"not-the-current-tag", W/${etag}`;
    case '*': return '*';
    case 'garbage': return 'not a valid value at all';
    case 'same': return lastModified.toUTCString();
    case 'older': return new Date(lastModified.getTime() - hour).toUTCString();
    case 'newer': return new Date(lastModified.getTime() + hour).toUTCString();
  }
}
