/** Line and column (both from 1) of an offset, and that line with a caret under the column. */
export interface SourcePlace {
  readonly line: number;
  readonly column: number;
  /** `    "port": 80,,\n               ^`: indented four spaces, to follow a problem's line. */
  readonly excerpt: string;
}

const maxWidth = 120;

/**
 * Where `offset` is in `text`, as an editor shows it, with the line quoted and a caret under the
 * place. A long line is cut around the place, so the caret stays under it.
 */
export function sourcePlace(text: string, offset: number): SourcePlace {
  // A file that ends too early is shown at the end of its last line, not on the empty line after it.
  if (offset >= text.length && text.endsWith('\n')) offset = text.length - 1;
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const start = before.lastIndexOf('\n') + 1;
  const end = text.indexOf('\n', start);
  let shown = text.slice(start, end === -1 ? text.length : end).replace(/\r$/, '');
  let caret = offset - start;
  const column = caret + 1;
  if (shown.length > maxWidth) {
    const from = Math.max(0, Math.min(caret - maxWidth / 2, shown.length - maxWidth));
    shown = `${from > 0 ? '…' : ''}${shown.slice(from, from + maxWidth)}${from + maxWidth < shown.length ? '…' : ''}`;
    caret = caret - from + (from > 0 ? 1 : 0);
  }
  // Tabs stay tabs under the line, so the caret lines up however wide the terminal shows them.
  const pad = shown.slice(0, caret).replace(/[^\t]/g, ' ');
  return { line, column, excerpt: `    ${shown}\n    ${pad}^` };
}
