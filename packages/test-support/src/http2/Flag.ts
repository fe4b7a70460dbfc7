/** Frame flags (RFC 9113 §6): END_STREAM on DATA and HEADERS, ACK on SETTINGS and PING (the same bit). */
export const Flag = { END_STREAM: 0x1, ACK: 0x1, END_HEADERS: 0x4 } as const;
