/** Canonical chunked framing (RFC 9112 §7.1): bare hex size, no extensions, no trailers. */
export const chunkHeader = (length: number): string => `${length.toString(16)}\r\n`;
export const CRLF = Buffer.from('\r\n', 'latin1');
export const LAST_CHUNK = Buffer.from('0\r\n\r\n', 'latin1');
