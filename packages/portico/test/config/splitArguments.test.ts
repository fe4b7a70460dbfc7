import assert from 'node:assert/strict';
import { splitArguments } from '../../src/internal/config/splitArguments.ts';

describe('splitArguments', () => {
  const cases: [string, string[]][] = [
    ['', []],
    ['  server.js   --port 0 ', ['server.js', '--port', '0']],
    ['a\tb', ['a', 'b']],
    ['"my app.dll" --name "a b"', ['my app.dll', '--name', 'a b']],
    ['C:\\app\\site.dll', ['C:\\app\\site.dll']],
    ['say \\"hi\\"', ['say', '"hi"']],
    ['"a\\\\" b', ['a\\', 'b']],
    ['"say ""hi"""', ['say "hi"']],
    ['""', ['']],
    ['pre"quoted part"post', ['prequoted partpost']],
  ];
  for (const [input, expected] of cases) {
    it(`splits ${JSON.stringify(input)} into ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(splitArguments(input), expected);
    });
  }
});
