// Type tests of @portico/files' public surface (see packages/portico/test/types).
import type { Stats } from 'node:fs';
import { expectTypeOf } from 'expect-type';
import { fileKind, readRegularFile, readRegularFileSync, whyUnreadable, type RegularFileRead } from '@portico/files';

describe('@portico/files public types', () => {
  it('reads a file to its bytes and stats, or to a problem and a code that a caller must tell apart', () => {
    expectTypeOf(readRegularFile).parameters.toEqualTypeOf<[file: string, maxBytes: number, options?: { readonly cut?: boolean }]>();
    expectTypeOf(readRegularFile).returns.toEqualTypeOf<Promise<RegularFileRead>>();
    expectTypeOf(readRegularFileSync).parameters.toEqualTypeOf<[file: string, maxBytes: number]>();
    expectTypeOf(readRegularFileSync).returns.toEqualTypeOf<RegularFileRead>();
    // A union, not one object with optional fields: the bytes are there only when no problem is.
    expectTypeOf<RegularFileRead>().toEqualTypeOf<{ readonly bytes: Buffer; readonly stats: Stats } | { readonly problem: string; readonly code: string }>();
    expectTypeOf(fileKind).toEqualTypeOf<(stats: Stats) => string>();
    expectTypeOf(whyUnreadable).toEqualTypeOf<(error: unknown) => string>();
  });
});
