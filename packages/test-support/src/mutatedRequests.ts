import fc from 'fast-check';

/** An edit the mutation fuzzers make: overwrite a byte, insert one, delete one, or repeat the 20 bytes from there. */
type Edit = 'flip' | 'insert' | 'delete' | 'dup';

/**
 * Valid requests, 1 to 3 of them back to back, with up to `maxEdits` random `edits` applied at
 * random places: bytes near enough to HTTP/1.1 that a framer's every branch is reached, for the
 * parser fuzz and the forwarder fuzz alike. Same arguments, same inputs for a seed.
 */
export function mutatedRequests(valid: readonly string[], edits: readonly Edit[], maxEdits: number): fc.Arbitrary<Buffer> {
  return fc.record({
    base: fc.array(fc.constantFrom(...valid), { minLength: 1, maxLength: 3 }).map((parts) => Buffer.from(parts.join(''), 'latin1')),
    edits: fc.array(fc.record({ at: fc.nat(), op: fc.constantFrom(...edits), byte: fc.integer({ min: 0, max: 255 }) }), { maxLength: maxEdits }),
  }).map(({ base, edits: applied }) => {
    let bytes = Buffer.from(base);
    for (const e of applied) {
      const i = e.at % (bytes.length + 1);
      if (e.op === 'flip' && i < bytes.length) bytes[i] = e.byte;
      else if (e.op === 'insert') bytes = Buffer.concat([bytes.subarray(0, i), Buffer.of(e.byte), bytes.subarray(i)]);
      else if (e.op === 'delete') bytes = Buffer.concat([bytes.subarray(0, i), bytes.subarray(i + 1)]);
      else if (e.op === 'dup') bytes = Buffer.concat([bytes.subarray(0, i), bytes.subarray(i, i + 20), bytes.subarray(i)]);
    }
    return bytes;
  });
}
