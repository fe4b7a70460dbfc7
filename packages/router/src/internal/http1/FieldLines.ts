import { isFieldBlock, parseFieldLine, splitFieldLine } from './parseFieldLine.ts';

/**
 * The field lines of one head as a parser reads them, in arrival order. When the first line comes
 * with the rest of the head, every line is checked in one match (`isFieldBlock`) and then only
 * split; a head that arrives in pieces is checked line by line. The verdict is the same either way.
 */
export class FieldLines {
  /** `[lower-case name, value]` in arrival order. */
  headers: Array<readonly [string, string]> = [];
  /** The names as spelled, index-aligned with `headers`. */
  rawNames: string[] = [];
  #blockChecked = false;

  /** Adds the line `text[start, end)`; returns why it is refused, or undefined. */
  add(text: string, start: number, end: number): string | undefined {
    if (this.headers.length === 0) this.#blockChecked = isFieldBlock(text, start);
    const field = this.#blockChecked ? splitFieldLine(text, start, end) : parseFieldLine(text, start, end);
    if (typeof field === 'string') return field;
    this.headers.push([field.name, field.value]);
    this.rawNames.push(field.rawName);
    return undefined;
  }

  /** Starts a new head; the lists handed out before stay with whoever took them. */
  reset(): void {
    this.headers = [];
    this.rawNames = [];
    this.#blockChecked = false;
  }
}
