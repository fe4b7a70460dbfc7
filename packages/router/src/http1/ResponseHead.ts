import type { BodyFraming } from './RequestHead.ts';

/** How a response body is delimited; `until-close` is RFC 9112 §6.3 item 8. */
export type ResponseFraming = BodyFraming | { readonly kind: 'until-close' };

/** A backend's response head, checked with the same field rules as requests. */
export interface ResponseHead {
  readonly version: '1.0' | '1.1';
  readonly status: number;
  readonly reason: string;
  /** `[lower-case name, value]` in arrival order; every Set-Cookie line kept. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly rawNames: readonly string[];
  readonly body: ResponseFraming;
  /** Whether the backend connection may carry another request after this response. */
  readonly keepAlive: boolean;
  readonly connectionTokens: readonly string[];
  readonly headBytes: number;
}
