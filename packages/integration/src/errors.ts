// This package has no dependencies, so it cannot use @portico/errors' factory. The errors keep
// the same shape (a stable `code`, a `name`, a message that says what to fix) and the same brand,
// so `instanceof PorticoError` from @portico/errors recognises them too.
const brand = Symbol.for('portico.error');

/** The base of every error this package throws: branch on `code`, never on the message. */
export class PorticoIntegrationError extends Error {
  readonly code: string;

  constructor(code: string, name: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = name;
    Object.defineProperty(this, brand, { value: true });
  }
}

/** A class made by {@link defineError}: `new` takes the message's arguments. */
export interface IntegrationErrorClass<Args extends unknown[]> {
  new (...args: Args): PorticoIntegrationError;
  readonly code: string;
  readonly errorName: string;
}

function defineError<Args extends unknown[]>(
  code: `PORTICO_ERR_INTEGRATION_${string}`,
  name: string,
  message: (...args: Args) => string,
): IntegrationErrorClass<Args> {
  const Defined = class extends PorticoIntegrationError {
    static readonly code = code;
    static readonly errorName = name;
    constructor(...args: Args) {
      const last = args.at(-1);
      super(code, name, message(...args), last instanceof Error ? { cause: last } : undefined);
    }

    static override [Symbol.hasInstance](instance: unknown): boolean {
      return instance instanceof PorticoIntegrationError && instance.code === code;
    }
  };
  Object.defineProperty(Defined, 'name', { value: name });
  return Defined;
}

export const InvalidOptionError = defineError(
  'PORTICO_ERR_INTEGRATION_INVALID_OPTION',
  'InvalidOptionError',
  (option: string, why: string) => `option "${option}" ${why}`,
);

export const InvalidEnvironmentError = defineError(
  'PORTICO_ERR_INTEGRATION_INVALID_ENVIRONMENT',
  'InvalidEnvironmentError',
  (variable: string, why: string) =>
    `environment variable ${variable} ${why}; Portico sets it for the backend, so check the app's ` +
    `environmentVariables in the Portico config or unset it when running without Portico`,
);

export const TokenRequiredError = defineError(
  'PORTICO_ERR_INTEGRATION_TOKEN_REQUIRED',
  'TokenRequiredError',
  (variables: string) =>
    `requireToken is set but ${variables} is not in the environment: start this backend through ` +
    `Portico, or drop requireToken to let requests through unchecked in development`,
);

export const ListenFailedError = defineError(
  'PORTICO_ERR_INTEGRATION_LISTEN_FAILED',
  'ListenFailedError',
  (where: string, cause: Error) =>
    `could not listen on ${where}: ${cause.message}; check that nothing else listens there and ` +
    `that the process may bind it`,
);

export const ReadinessSignalError = defineError(
  'PORTICO_ERR_INTEGRATION_READINESS_FAILED',
  'ReadinessSignalError',
  (channel: string, cause: Error) =>
    `could not signal readiness on ${channel}: ${cause.message}; Portico will treat the backend ` +
    `as not started until startupTimeLimit expires`,
);

/** Every error class above, for documentation checks. */
export const integrationErrors: readonly { readonly code: string; readonly errorName: string }[] = [
  InvalidOptionError,
  InvalidEnvironmentError,
  TokenRequiredError,
  ListenFailedError,
  ReadinessSignalError,
];
