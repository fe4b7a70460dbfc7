import type http from 'node:http';
import { rawRequest, type HttpReply, type RequestTarget } from '@portico/test-support';

export interface RequestOptions {
  readonly method?: string;
  /** /echo unless given: the fixture's answer says what the backend saw (`Echo`). */
  readonly path?: string;
  /** Raw header pairs, so a test can send duplicates and any casing. */
  readonly headers?: readonly (readonly [string, string])[];
  readonly agent?: http.Agent;
}

/** One HTTP/1.1 request to a backend; resolves once the whole body has arrived. */
export function request(target: RequestTarget, options: RequestOptions = {}): Promise<HttpReply> {
  return rawRequest(target, { ...options, path: options.path ?? '/echo' });
}

/** The /echo fixture's answer. */
export interface Echo {
  readonly headers: Record<string, string>;
  readonly rawHeaders: string[];
  readonly hasPorticoProperty: boolean;
  readonly propertyMatches: boolean;
  readonly portico: Record<string, unknown> | null | undefined;
}
