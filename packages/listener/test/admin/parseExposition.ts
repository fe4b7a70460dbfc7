// A strict reader of the Prometheus text exposition format 0.0.4, for tests: it throws, naming the
// line, on anything the format does not allow, and on what it allows but Portico never writes
// (free comments, empty lines, trailing commas), so a sloppy renderer cannot pass.
// https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Family {
  readonly name: string;
  help: string | undefined;
  type: string | undefined;
  readonly samples: Sample[];
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const floatValue = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]Inf|NaN)$/;
const types = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function parseExposition(text: string): Map<string, Family> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a line feed');
  const lines = text.slice(0, -1).split('\n');
  const families = new Map<string, Family>();
  const closed = new Set<string>();
  const series = new Set<string>();
  let current: Family | undefined;

  const enter = (name: string, n: number): Family => {
    if (current?.name === name) return current;
    if (closed.has(name)) throw new Error(`line ${n}: family ${name} continues after another family began`);
    if (current) closed.add(current.name);
    current = { name, help: undefined, type: undefined, samples: [] };
    families.set(name, current);
    return current;
  };

  lines.forEach((line, i) => {
    const n = i + 1;
    const fail = (why: string): never => {
      throw new Error(`line ${n}: ${why}: ${JSON.stringify(line)}`);
    };
    if (line === '') fail('empty line');
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line) ?? /^# (HELP) (\S+)()$/.exec(line);
      if (!m) return fail('a comment that is neither HELP nor TYPE');
      const [, kind, name, rest] = m as unknown as [string, string, string, string];
      if (!metricName.test(name)) fail('invalid metric name');
      const family = enter(name, n);
      if (family.samples.length > 0) fail(`${kind} after the family's samples`);
      if (kind === 'HELP') {
        if (family.help !== undefined) fail('second HELP');
        if (/\\(?![\\n])/.test(rest)) fail('invalid escape in HELP');
        family.help = rest;
      } else {
        if (family.type !== undefined) fail('second TYPE');
        if (!types.has(rest)) fail('unknown TYPE');
        family.type = rest;
      }
      return;
    }
    const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
    if (!nameMatch) return fail('no metric name');
    const name = nameMatch[0];
    let pos = name.length;
    const labels: Record<string, string> = {};
    if (line[pos] === '{') {
      pos++;
      for (;;) {
        const ln = labelName.exec(line.slice(pos));
        if (!ln) return fail(`no label name at column ${pos + 1}`);
        pos += ln[0].length;
        if (line.slice(pos, pos + 2) !== '="') fail(`expected =" at column ${pos + 1}`);
        pos += 2;
        let value = '';
        for (;;) {
          const c = line[pos];
          if (c === undefined) return fail('unterminated label value');
          if (c === '"') break;
          if (c === '\\') {
            const e = line[pos + 1];
            if (e === '\\' || e === '"') value += e;
            else if (e === 'n') value += '\n';
            else fail(`invalid escape \\${e ?? ''} in a label value`);
            pos += 2;
          } else {
            value += c;
            pos++;
          }
        }
        pos++;
        if (Object.hasOwn(labels, ln[0])) fail(`label ${ln[0]} given twice`);
        labels[ln[0]] = value;
        if (line[pos] === ',') {
          pos++;
          if (line[pos] === '}') fail('trailing comma');
          continue;
        }
        if (line[pos] === '}') {
          pos++;
          break;
        }
        fail(`expected , or } at column ${pos + 1}`);
      }
    }
    if (line[pos] !== ' ') fail('expected one space before the value');
    const fields = line.slice(pos + 1).split(' ');
    if (fields.length > 2 || !floatValue.test(fields[0]!)) fail('invalid value');
    if (fields.length === 2 && !/^-?\d+$/.test(fields[1]!)) fail('invalid timestamp');
    const value = Number(fields[0] === '+Inf' ? Infinity : fields[0] === '-Inf' ? -Infinity : fields[0]);
    if (!current) return fail('a sample before any HELP or TYPE');
    const base = current.type === 'histogram' ? name.replace(/_(bucket|sum|count)$/, '') : name;
    if (base !== current.name || (current.type === 'histogram' && base === name)) fail(`sample does not belong to family ${current.name}`);
    if (current.type === undefined) fail('sample before TYPE');
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (series.has(key)) fail('the same series twice');
    series.add(key);
    if (current.type === 'counter' && !(value >= 0)) fail('a counter below zero');
    current.samples.push({ name, labels, value });
  });
  for (const family of families.values()) {
    if (family.type === undefined || family.help === undefined) throw new Error(`family ${family.name} lacks HELP or TYPE`);
    if (family.type === 'histogram') checkHistogram(family);
  }
  return families;
}

function checkHistogram(family: Family): void {
  const groups = new Map<string, { buckets: [number, number][]; sum?: number; count?: number }>();
  for (const s of family.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const group = groups.get(key) ?? { buckets: [] };
    groups.set(key, group);
    if (s.name.endsWith('_bucket')) {
      if (le === undefined || !floatValue.test(le)) throw new Error(`${family.name}: bucket without a valid le ${key}`);
      group.buckets.push([le === '+Inf' ? Infinity : Number(le), s.value]);
    } else if (le !== undefined) throw new Error(`${family.name}: le on ${s.name}`);
    else if (s.name.endsWith('_sum')) group.sum = s.value;
    else group.count = s.value;
  }
  for (const [key, g] of groups) {
    const last = g.buckets.at(-1);
    if (!last || last[0] !== Infinity) throw new Error(`${family.name}${key}: no +Inf bucket at the end`);
    for (let i = 1; i < g.buckets.length; i++) {
      const [le, v] = g.buckets[i]!;
      const [prevLe, prevV] = g.buckets[i - 1]!;
      if (!(le > prevLe)) throw new Error(`${family.name}${key}: buckets not in increasing le order`);
      if (v < prevV) throw new Error(`${family.name}${key}: buckets not cumulative`);
    }
    if (g.sum === undefined || g.count === undefined) throw new Error(`${family.name}${key}: _sum or _count missing`);
    if (g.count !== last[1]) throw new Error(`${family.name}${key}: _count ${g.count} differs from the +Inf bucket ${last[1]}`);
  }
}

/** The value of the one sample of `name` whose labels include `labels`. */
export function valueOf(families: Map<string, Family>, name: string, labels: Readonly<Record<string, string>> = {}): number {
  const family = families.get(name) ?? families.get(name.replace(/_(bucket|sum|count)$/, ''));
  const found = family?.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) ?? [];
  if (found.length !== 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
  return found[0]!.value;
}
