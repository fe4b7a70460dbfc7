import { isFieldBlock, parseFieldLine, splitFieldLine } from './parseFieldLine.ts';

/** What an emptied slot holds until a later head writes over it. */
const FREED: readonly [string, string] = ['', ''];

/**
 * The field lines of one head as a parser reads them, in arrival order. When the first line comes
 * with the rest of the head, every line is checked in one match (`isFieldBlock`) and then only
 * split; a head that arrives in pieces is checked line by line. The verdict is the same either way.
 *
 * The lines go into two lists kept for the parser's life (one per connection), and each head is
 * handed out as copies of its own length: a list begun empty for every head would grow to
 * seventeen slots at its first line, four such lists a proxied request (its head and its
 * response's), where copies of three lines take three.
 */
export class FieldLines {
  /** `[lower-case name, value]` in arrival order; only the first `count` belong to this head. */
  readonly #headers: Array<readonly [string, string]> = [];
  /** The names as spelled, index-aligned with `#headers`. */
  readonly #rawNames: string[] = [];
  #count = 0;
  #blockChecked = false;

  /** Field lines read so far in this head. */
  get count(): number {
    return this.#count;
  }

  /** Adds the line `text[start, end)`; returns why it is refused, or undefined. */
  add(text: string, start: number, end: number): string | undefined {
    if (this.#count === 0) this.#blockChecked = isFieldBlock(text, start);
    const field = this.#blockChecked ? splitFieldLine(text, start, end) : parseFieldLine(text, start, end);
    if (typeof field === 'string') return field;
    // At most one past the end: the lists stay packed.
    this.#headers[this.#count] = [field.name, field.value];
    this.#rawNames[this.#count] = field.rawName;
    this.#count++;
    return undefined;
  }

  /** This head's `[name, value]` pairs and raw names, as lists of their own; then starts a new head. */
  take(): { headers: Array<readonly [string, string]>; rawNames: string[] } {
    const taken = { headers: this.#headers.slice(0, this.#count), rawNames: this.#rawNames.slice(0, this.#count) };
    this.reset();
    return taken;
  }

  /** Starts a new head. The slots are emptied, so a connection holds no strings of a head it is done with. */
  reset(): void {
    for (let i = 0; i < this.#count; i++) {
      this.#headers[i] = FREED;
      this.#rawNames[i] = '';
    }
    this.#count = 0;
    this.#blockChecked = false;
  }
}
