import assert from 'node:assert/strict';
import { chunkSizes } from '@portico/test-support';

describe('chunkSizes', () => {
  it('reads the data sizes of a chunked body in order, hex sizes included, up to its last chunk', () => {
    assert.deepEqual(chunkSizes('1\r\nx\r\na\r\n0123456789\r\n0\r\n\r\n'), [1, 10]);
    assert.deepEqual(chunkSizes('0\r\n\r\n'), []);
  });
});
