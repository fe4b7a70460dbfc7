/** How a stream ended for the client: its response's first header byte (HPACK static index: 0x88 is 200, 0x8c 400), a reset code, or the connection's end. */
export type StreamOutcome =
  | { readonly kind: 'response'; readonly firstByte: number }
  | { readonly kind: 'reset'; readonly code: number }
  | { readonly kind: 'closed' };
