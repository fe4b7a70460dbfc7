/**
 * The one buffer every socket the forwarder reads through Node's `onread` reads into: each backend
 * connection (UpstreamConnection), and each client socket switched to it (readIntoSharedBuffer),
 * tunnels' included until a direction takes a buffer of its own (TunnelRelay). A read is lent to
 * its reader for one call and whatever outlives the call is copied, so one buffer serves them all:
 * libuv reads a socket into it and calls back before it reads any socket again, and nothing done
 * in a callback reads synchronously (`resume` only arms the poll; writes, ends and closes read
 * nothing), so no read, of a client or of a backend, lands while another is being handled. TLS
 * clients never read into it (Node's TLS layer reads their sockets into buffers of its own and
 * hands the cleartext on as 'data'), and what is written to them is copied, as it is to an
 * HTTP/2 stream, since either may keep a write's memory after taking it. A second buffer, for
 * backends apart from clients, would add 64 KiB and guard against nothing: a view kept past its
 * read is overwritten by the next read of its own kind as surely.
 */
export const sharedReadBuffer = Buffer.allocUnsafe(64 * 1024);
