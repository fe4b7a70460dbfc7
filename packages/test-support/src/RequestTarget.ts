/** Where a test's request goes: a TCP port on 127.0.0.1, or a Unix socket. */
export type RequestTarget = { readonly port: number } | { readonly socketPath: string };
