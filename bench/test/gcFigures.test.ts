import assert from 'node:assert/strict';
import { gcFigures, type GcReading } from '../support/gcFigures.ts';

// bench:proxy-cores sums the GC meters of a Portico's processes (the control and its fronts).
describe('gcFigures', () => {
  const reading = (allocated: number, minor: number[], major: number[] = []): GcReading => ({ seconds: 2, allocated, minor, major, rss: 100 });

  it('gives the bytes allocated per young collection over every process: the young generation in effect', () => {
    const MiB = 1048576;
    const figures = gcFigures([reading(0.1 * MiB, []), reading(8 * MiB, [1, 1, 1, 1]), reading(4 * MiB, [2, 2])], 1000);
    assert.equal(figures.bytesPerMinor, (12.1 * MiB) / 6);
    assert.equal(figures.minorPerSecond, 3);
    assert.equal(figures.bytesPerRequest, (12.1 * MiB) / 1000);
    assert.equal(figures.meanMinorMs, 8 / 6);
  });

  it('gives 0 bytes per young collection when no process collected', () => {
    assert.equal(gcFigures([reading(1000, [], [5])], 10).bytesPerMinor, 0);
  });
});
