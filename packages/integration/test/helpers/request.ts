import http from 'node:http';

export type Target = { readonly port: number } | { readonly socketPath: string };

export interface Reply {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export interface RequestOptions {
  readonly method?: string;
  readonly path?: string;
  /** Raw header pairs, so a test can send duplicates and any casing. */
  readonly headers?: readonly (readonly [string, string])[];
  readonly agent?: http.Agent;
}

/** One HTTP/1.1 request to a backend; resolves once the whole body has arrived. */
export function request(target: Target, options: RequestOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      ...('port' in target ? { host: '127.0.0.1', port: target.port } : { socketPath: target.socketPath }),
      method: options.method ?? 'GET',
      path: options.path ?? '/echo',
      // Raw pairs make Node skip its default headers, Host among them.
      headers: [['host', 'port' in target ? `127.0.0.1:${target.port}` : 'localhost'], ...(options.headers ?? [])].flat(),
      agent: options.agent ?? false,
    });
    req.on('error', reject);
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.end();
  });
}

/** The /echo fixture's answer. */
export interface Echo {
  readonly headers: Record<string, string>;
  readonly rawHeaders: string[];
  readonly hasPorticoProperty: boolean;
  readonly propertyMatches: boolean;
  readonly portico: Record<string, unknown> | null | undefined;
}
