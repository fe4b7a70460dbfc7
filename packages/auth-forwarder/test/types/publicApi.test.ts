// Type tests of @portico/auth-forwarder's public surface (see packages/portico/test/types).
import { expectTypeOf } from 'expect-type';
import { createAuthenticator, normaliseHeaderName, type AuthConfig, type AuthDeps, type Authenticator } from '@portico/auth-forwarder';

describe('@portico/auth-forwarder public types', () => {
  it('builds an Authenticator from an AuthConfig', () => {
    expectTypeOf(createAuthenticator).parameters.toEqualTypeOf<[AuthConfig, AuthDeps?]>();
    expectTypeOf(createAuthenticator).returns.toEqualTypeOf<Authenticator>();
    expectTypeOf(normaliseHeaderName).parameter(0).toEqualTypeOf<string>();
    expectTypeOf(normaliseHeaderName).returns.toEqualTypeOf<string>();
  });
});
