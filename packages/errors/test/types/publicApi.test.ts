// Type tests of @portico/errors' public surface (see packages/portico/test/types).
import { expectTypeOf } from 'expect-type';
import { definePorticoError, type PorticoError, type PorticoErrorClass } from '@portico/errors';

describe('@portico/errors public types', () => {
  it('makes classes whose constructor takes the message’s arguments and whose instances are PorticoErrors', () => {
    // Never called: a defined code joins the process-wide registry, which docs/errors.md must list.
    const define = () => definePorticoError('PORTICO_ERR_TYPES_EXAMPLE', 'TypesExampleError', (option: string, got: number) => `${option} ${got}`);
    type Defined = ReturnType<typeof define>;
    expectTypeOf<Defined>().toEqualTypeOf<PorticoErrorClass<[option: string, got: number]>>();
    expectTypeOf<Defined>().constructorParameters.toEqualTypeOf<[option: string, got: number]>();
    expectTypeOf<Defined>().instance.toEqualTypeOf<PorticoError>();
    expectTypeOf<PorticoError['code']>().toEqualTypeOf<string>();
    // Codes carry the prefix that docs/errors.md lists them by.
    expectTypeOf(definePorticoError).parameter(0).toEqualTypeOf<`PORTICO_ERR_${string}`>();
  });
});
