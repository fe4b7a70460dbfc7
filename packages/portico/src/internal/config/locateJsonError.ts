/** Where a JSON text stops being JSON, and what was expected there. */
export interface JsonSyntaxError {
  /** Offset in the text, in UTF-16 code units. */
  readonly offset: number;
  readonly reason: string;
}

/**
 * Finds the first syntax error of a text that `JSON.parse` refused. Node's own message names a
 * position in some versions and cases and not in others (`Unexpected token '}', "{"a": tru}" is
 * not valid JSON`), so the text is scanned again here, by RFC 8259's grammar, to point at the
 * place with the same words on every Node. Returns undefined for valid JSON. With `repeatedKeys`,
 * a key repeated in one object is an error too, at the repetition: `JSON.parse` keeps the last
 * one and drops the first without a word, so a second `"apps"` replaced the first. Nesting
 * deeper than `maxDepth` (default 512) is an error too: the scan recurses, and a file of 100 000
 * `[` overflowed the stack.
 */
export function locateJsonError(text: string, options: { readonly repeatedKeys?: boolean; readonly maxDepth?: number } = {}): JsonSyntaxError | undefined {
  const maxDepth = options.maxDepth ?? 512;
  let at = 0;
  let depth = 0;
  const fail = (reason: string, offset = at): never => {
    throw { offset, reason } satisfies JsonSyntaxError;
  };
  const space = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at]!)) at++;
  };
  const found = () => (at >= text.length ? 'the end of the file' : `${JSON.stringify(text[at])}`);
  const string = () => {
    const start = at++;
    while (at < text.length && text[at] !== '"') {
      const c = text.charCodeAt(at);
      if (c < 0x20) fail('a string cannot hold a line break or control character; write it as \\n, \\t or \\u00XX');
      if (text[at] === '\\') {
        at++;
        if (text[at] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(at + 1, at + 5))) fail('\\u needs four hex digits');
          at += 4;
        } else if (!'"\\/bfnrt'.includes(text[at] ?? '')) fail(`\\${text[at] ?? ''} is not an escape of JSON; write \\\\ for a backslash`, at - 1);
      }
      at++;
    }
    if (at >= text.length) fail('the string that starts here has no closing "', start);
    at++;
  };
  const value = (): void => {
    space();
    const c = text[at];
    if ((c === '{' || c === '[') && depth === maxDepth) fail(`nests deeper than ${maxDepth} levels, which no Portico config does`);
    if (c === '{') return nested(object);
    if (c === '[') return nested(array);
    if (c === '"') return string();
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(at, at + 400));
    if (literal && !/[\w.]/.test(text[at + literal[0].length] ?? '')) {
      at += literal[0].length;
      return;
    }
    if (c === "'") fail('strings and keys need double quotes (") in JSON');
    fail(`expected a value (a string, number, object, array, true, false or null), found ${found()}`);
  };
  const nested = (scan: () => void) => {
    depth++;
    scan();
    depth--;
  };
  const object = () => {
    at++;
    space();
    if (text[at] === '}') return void at++;
    const keys = options.repeatedKeys ? new Set<string>() : undefined;
    for (let comma = -1; ; ) {
      space();
      if (text[at] === '}') fail('a comma before } : JSON allows no trailing comma', comma);
      if (text[at] !== '"') fail(text[at] === "'" ? 'keys need double quotes (") in JSON' : `expected a key in double quotes, found ${found()}`);
      const keyAt = at;
      string();
      if (keys) {
        const key = JSON.parse(text.slice(keyAt, at)) as string;
        if (keys.has(key)) fail(`the key ${JSON.stringify(key)} is already in this object; keep one (JSON.parse would keep the last and drop the first without a word)`, keyAt);
        keys.add(key);
      }
      space();
      if (text[at] !== ':') fail(`expected : after the key, found ${found()}`);
      at++;
      value();
      space();
      if (text[at] === '}') return void at++;
      if (text[at] !== ',') fail(`expected , or } after the value, found ${found()}`);
      comma = at++;
    }
  };
  const array = () => {
    at++;
    space();
    if (text[at] === ']') return void at++;
    for (let comma = -1; ; ) {
      space();
      if (text[at] === ']') fail('a comma before ] : JSON allows no trailing comma', comma);
      value();
      space();
      if (text[at] === ']') return void at++;
      if (text[at] !== ',') fail(`expected , or ] after the value, found ${found()}`);
      comma = at++;
    }
  };
  try {
    value();
    space();
    if (at < text.length) fail(`expected the end of the file after the value, found ${found()}`);
    return undefined;
  } catch (error) {
    if (typeof error === 'object' && error !== null && 'reason' in error) return error as JsonSyntaxError;
    throw error;
  }
}
