import assert from 'node:assert/strict';
import { TailPrinter } from '../../src/cli/internal/TailPrinter.ts';

function printer(): { print: TailPrinter['print']; out: () => string } {
  let out = '';
  const p = new TailPrinter({ stdout: (text) => (out += text), stderr: () => {}, env: {}, cwd: '/' });
  return { print: (tails) => p.print(tails), out: () => out };
}

describe('TailPrinter', () => {
  it('prints one worker\'s tail without a header, then only what it grew by', () => {
    const p = printer();
    p.print([{ worker: 'shop#1', pid: 10, tail: 'a\n' }]);
    p.print([{ worker: 'shop#1', pid: 10, tail: 'a\nb\n' }]);
    p.print([{ worker: 'shop#1', pid: 10, tail: 'a\nb\n' }]);
    assert.equal(p.out(), 'a\nb\n');
  });

  it('heads each worker\'s output when there are several, only when the worker printed changes', () => {
    const p = printer();
    p.print([{ worker: 'shop#1', pid: 10, tail: 'a\n' }, { worker: 'shop#2', pid: 11, tail: 'x\n' }]);
    p.print([{ worker: 'shop#1', pid: 10, tail: 'a\n' }, { worker: 'shop#2', pid: 11, tail: 'x\ny\n' }]);
    assert.equal(p.out(), '==> shop#1 (pid 10) <==\na\n\n==> shop#2 (pid 11) <==\nx\ny\n');
  });

  it('prints all of a replaced process\'s tail under a header naming the new pid', () => {
    const p = printer();
    p.print([{ worker: 'shop#1', pid: 10, tail: 'a\n' }]);
    p.print([{ worker: 'shop#1', pid: 12, tail: 'a\n' }]);
    assert.equal(p.out(), 'a\n\n==> shop#1 (pid 12) <==\na\n');
  });
});
