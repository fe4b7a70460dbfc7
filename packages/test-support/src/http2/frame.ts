/**
 * One frame: 24-bit length, type, flags, 31-bit stream id, payload (RFC 9113 §4.1). Nothing is
 * checked, so a test can send what node:http2's client refuses to (a flood, a frame on stream 0).
 */
export function frame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(9);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([head, payload]);
}
