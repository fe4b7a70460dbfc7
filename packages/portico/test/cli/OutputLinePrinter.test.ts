import assert from 'node:assert/strict';
import type { AppOutputLine } from '@portico/listener';
import { OutputLinePrinter } from '../../src/cli/internal/OutputLinePrinter.ts';

const line = (text: string, app = 'shop'): AppOutputLine => ({ app, worker: `${app}#1`, pid: 4242, stream: 'stdout', time: 0, line: text });

function printed(terminal: boolean, colour: boolean, ...texts: string[]): string {
  let out = '';
  new OutputLinePrinter((text) => (out += text), { terminal, colour }).print(texts.map((text) => line(text)));
  return out;
}

// What an app prints often holds what its clients sent (`print("search:", q)`): escape sequences
// in it reached the operator's terminal as they were, through `portico logs` (a window title set,
// the clipboard written by OSC 52, a line erased, or a CR that prints over the worker's prefix).
describe('OutputLinePrinter', () => {
  it('shows control characters of a line as \\xHH on a terminal, so a line cannot drive it', () => {
    const hostile = ['\x1b]0;owned\x07title', '\x1b]52;c;cm0gLXJmIH4=\x07clip', 'ok\rshop#2 | forged', 'erased\x1b[2K\x1b[1A', 'c1 \u009b31m csi', 'del\x7f nul\x00'];
    assert.equal(
      printed(true, true, ...hostile).replace(/\x1b\[\d+m(shop#1 \|)\x1b\[0m/g, '$1'),
      [
        'shop#1 | \\x1b]0;owned\\x07title',
        'shop#1 | \\x1b]52;c;cm0gLXJmIH4=\\x07clip',
        'shop#1 | ok\\x0dshop#2 | forged',
        'shop#1 | erased\\x1b[2K\\x1b[1A',
        'shop#1 | c1 \\x9b31m csi',
        'shop#1 | del\\x7f nul\\x00',
        '',
      ].join('\n'),
    );
    assert.equal(printed(true, false, '\x1b]0;owned\x07'), 'shop#1 | \\x1b]0;owned\\x07\n');
  });

  it("keeps an app's colours on a colour terminal and resets them at the end of its line", () => {
    assert.equal(printed(true, true, '\x1b[32mINFO\x1b[0m ready', '\x1b[1;31mERROR unclosed').replace(/\x1b\[\d+m(shop#1 \|)\x1b\[0m/g, '$1'), 'shop#1 | \x1b[32mINFO\x1b[0m ready\x1b[0m\nshop#1 | \x1b[1;31mERROR unclosed\x1b[0m\n');
  });

  it('drops the colours of an app with NO_COLOR on a terminal', () => {
    assert.equal(printed(true, false, '\x1b[32mINFO\x1b[0m ready'), 'shop#1 | INFO ready\n');
  });

  it('keeps tabs, and drops the CR of a CRLF line end on a terminal', () => {
    assert.equal(printed(true, false, 'a\tb\r'), 'shop#1 | a\tb\n');
  });

  it('writes every byte as it came when piped, for grep and files', () => {
    const raw = ['\x1b[32mINFO\x1b[0m ready\r', '\x1b]0;title\x07'];
    assert.equal(printed(false, false, ...raw), raw.map((text) => `shop#1 | ${text}\n`).join(''));
  });
});
