import { Type } from '@sinclair/typebox';
import { Defaulted, type Resolved } from './Resolved.ts';

/**
 * An address to bind: an IPv4 or IPv6 address (without brackets) or a host name. Anything else
 * (spaces, line breaks, a port) would pass `check` and fail `start` at the first bind.
 */
export const bindAddressPattern =
  // An IPv6 address has at least two colons; a host name none (a name of this machine that does
  // not resolve still fails at the bind, which `start` reports as such).
  '^((?=[0-9A-Fa-f.]*:[0-9A-Fa-f.]*:)[0-9A-Fa-f:.]+|[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*)$';
export const bindAddressAllowed = 'an IPv4 or IPv6 address without brackets, or a host name of this machine';

/** A certificate and key for an HTTPS listener; paths are relative to the config file. */
export const TlsSchema = Type.Object(
  {
    cert: Type.String({ minLength: 1, description: 'PEM certificate chain file, leaf first.', 'x-portico-path': 'file' }),
    key: Type.String({ minLength: 1, description: 'PEM private key file for `cert`.', 'x-portico-path': 'file' }),
    ca: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'PEM file of the certificate authorities that client certificates must chain to. Required with `requestCert`.',
        'x-portico-path': 'file',
      }),
    ),
    requestCert: Defaulted(
      Type.Boolean({
        description:
          'Ask every client for a certificate, verified against `ca`. A client without a valid one can still connect; apps decide with `auth: { type: "client-cert" }`, which needs this.',
      }),
      false,
    ),
  },
  { additionalProperties: false, description: 'Makes the listener HTTPS.' },
);

/** One front socket. */
export const ListenerSchema = Type.Object(
  {
    port: Type.Integer({ minimum: 0, maximum: 65535, description: 'TCP port. `0` takes any free port (useful in tests).' }),
    host: Defaulted(
      Type.String({
        pattern: bindAddressPattern,
        'x-portico-allowed': bindAddressAllowed,
        description:
          'Address to bind. The default, every IPv4 address, is what a front door is for and what nginx\'s `listen 80` does; use `"::"` for IPv4 and IPv6, or `"127.0.0.1"` to stay local. Backends and the admin endpoint are bound to loopback regardless.',
      }),
      '0.0.0.0',
    ),
    tls: Type.Optional(TlsSchema),
    http2: Type.Optional(
      Type.Boolean({
        description:
          'HTTPS listeners only: offer HTTP/2 (`h2`) beside HTTP/1.1 by ALPN. Default `true`; `false` keeps the listener on HTTP/1.1. Each HTTP/2 stream is forwarded to the backends as an HTTP/1.1 request (docs/proxy.md, HTTP/2 at the front).',
      }),
    ),
    h2c: Defaulted(
      Type.Boolean({
        description:
          'Plain listeners only: serve HTTP/2 to clients that open with its preface (h2c with prior knowledge, `curl --http2-prior-knowledge`), HTTP/1.1 to the rest. h2c by `Upgrade` is never taken: the header is stripped. For a TLS-terminating load balancer in front that speaks HTTP/2 to Portico.',
      }),
      false,
    ),
  },
  { additionalProperties: false },
);

export type TlsConfig = Resolved<typeof TlsSchema>;
export type ListenerConfig = Resolved<typeof ListenerSchema>;
