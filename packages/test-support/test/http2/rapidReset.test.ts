import assert from 'node:assert/strict';
import { FrameType, rapidReset } from '@portico/test-support/http2';

describe('rapidReset', () => {
  it('opens and resets 100 new client streams a batch, never reusing an id across batches', () => {
    const ids = (batch: number) => rapidReset(batch).map((f) => ({ type: f[3], id: f.readUInt32BE(5) }));
    const first = ids(0);
    const second = ids(1);
    assert.equal(first.length, 200);
    assert.deepEqual(first.slice(0, 2), [{ type: FrameType.HEADERS, id: 1 }, { type: FrameType.RST_STREAM, id: 1 }]);
    assert.deepEqual(second[0], { type: FrameType.HEADERS, id: 201 });
    assert.ok([...first, ...second].every(({ id }) => id % 2 === 1));
  });
});
