import type { AuthEvent, AuthOutcome, AuthRequest } from '../Authenticator.ts';

/** One authentication method; `createAuthenticator` adds identity checks, events and lifecycle. */
export interface Mechanism {
  authenticate(request: AuthRequest): Promise<AuthOutcome> | AuthOutcome;
  /** Only a mechanism that sends subrequests can loop (`Authenticator.loopsBack`). */
  loopsBack?(request: AuthRequest): boolean;
  close(): Promise<void>;
  /** Header names this mechanism adds to the forwarded request beyond `x-portico-*`. */
  readonly reservedHeaders: readonly string[];
}

/** What a mechanism is given besides its config. */
export interface MechanismContext {
  readonly clock: () => number;
  readonly report: (name: string, fields: AuthEvent['fields']) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** `AuthDeps.subrequestMark`, or this authenticator's own. */
  readonly subrequestMark: string;
}
