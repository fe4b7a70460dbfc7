import { normaliseHeaderName } from '../../normaliseHeaderName.ts';
import { fail, type ConfigReader } from '../ConfigReader.ts';
import { isLoopback } from '@portico/listener';

export interface ForwardSettings {
  readonly url: URL;
  readonly timeoutMs: number;
  readonly copyHeaders: readonly string[];
  readonly userHeader: string;
  readonly cacheTtlMs: number;
  readonly cacheSize: number;
  readonly cacheScope: 'request' | 'credentials';
}

const token = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Names the router or the framing own; an auth service may not supply them.
const notCopyable = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade',
  'proxy-authorization', 'host', 'content-length', 'content-type', 'set-cookie', 'forwarded',
  'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'x-request-id',
]);

export function readForwardConfig(reader: ConfigReader): ForwardSettings {
  const raw = reader.string('url');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    fail('url', `must be an absolute http: or https: URL, got ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail('url', `must use http: or https:, got ${url.protocol}`);
  // Credentials travel to this service; in clear text only over loopback.
  if (url.protocol === 'http:' && !isLoopback(url.hostname)) fail('url', 'must be https: unless the service is on a loopback address');
  if (url.username !== '' || url.password !== '') fail('url', 'must not embed credentials');

  const copyHeaders = (reader.strings('copyHeaders') ?? []).map((name) => {
    if (!token.test(name)) fail('copyHeaders', `lists ${JSON.stringify(name)}, which is not a header name`);
    const normalised = normaliseHeaderName(name);
    if (notCopyable.has(normalised) || normalised.startsWith('x-portico-') || normalised.startsWith('ms-aspnetcore')) {
      fail('copyHeaders', `lists "${name}", which Portico sets itself`);
    }
    return name.toLowerCase();
  });
  const userHeader = reader.string('userHeader', 'x-auth-user').toLowerCase();
  if (!token.test(userHeader)) fail('userHeader', `must be a header name, got ${JSON.stringify(userHeader)}`);

  return {
    url,
    timeoutMs: reader.number('timeout', 5, 0.001, 300) * 1000,
    copyHeaders,
    userHeader,
    cacheTtlMs: reader.number('cacheTtl', 0, 0, 3600) * 1000,
    cacheSize: reader.number('cacheSize', 1000, 1, 1_000_000, true),
    cacheScope: reader.oneOf('cacheScope', ['request', 'credentials'], 'request')!,
  };
}
