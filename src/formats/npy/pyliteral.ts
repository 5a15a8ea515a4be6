/**
 * A small, strict parser for the Python literal subset that NPY headers use (never `eval`):
 * dicts, tuples, lists, single- or double-quoted strings (with the usual backslash escapes),
 * integers, `True`, `False`, `None`. Anything else is a FormatError that names the position.
 *
 * NPY format spec: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 * ("The next HEADER_LEN bytes form the header data describing the array's format. It is an
 * ASCII string which contains a Python literal expression of a dictionary.")
 */
import { FormatError } from '../../core/errors.js';

export type PyValue =
  | string
  | number
  | boolean
  | null
  | { kind: 'tuple'; items: PyValue[] }
  | { kind: 'list'; items: PyValue[] }
  | { kind: 'dict'; entries: [PyValue, PyValue][] };

/** Nesting deeper than this is refused (structured dtypes nest a few levels at most). */
const MAX_DEPTH = 32;

export interface ParseContext {
  format: string;
  file?: string;
  /** Byte offset of the header text in the file, for error offsets. */
  base: number;
}

export function parsePyLiteral(text: string, ctx: ParseContext): PyValue {
  const p = new Parser(text, ctx);
  p.ws();
  const v = p.value(0);
  p.ws();
  if (p.pos !== text.length) throw p.fail('trailing characters after the literal', 'end of header');
  return v;
}

class Parser {
  pos = 0;
  constructor(
    private readonly s: string,
    private readonly ctx: ParseContext,
  ) {}

  fail(what: string, expected: string): FormatError {
    const found =
      this.pos < this.s.length
        ? JSON.stringify(this.s.slice(this.pos, this.pos + 12))
        : 'end of header';
    return new FormatError(this.ctx.format, `header: ${what}`, {
      file: this.ctx.file,
      offset: this.ctx.base + this.pos,
      expected,
      found,
    });
  }

  ws(): void {
    while (this.pos < this.s.length) {
      const c = this.s[this.pos]!;
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') this.pos++;
      else break;
    }
  }

  value(depth: number): PyValue {
    if (depth > MAX_DEPTH)
      throw this.fail('literal nested too deeply', `at most ${MAX_DEPTH} levels`);
    const c = this.s[this.pos];
    switch (c) {
      case '{':
        return this.dict(depth);
      case '(':
        return this.seq(depth, ')', 'tuple');
      case '[':
        return this.seq(depth, ']', 'list');
      case "'":
      case '"':
        return this.str(c);
      default:
        break;
    }
    if (c !== undefined && /[-+0-9]/.test(c)) return this.int();
    for (const [word, v] of [
      ['True', true],
      ['False', false],
      ['None', null],
    ] as const) {
      if (this.s.startsWith(word, this.pos)) {
        this.pos += word.length;
        return v;
      }
    }
    throw this.fail(
      'unexpected token',
      'a dict, tuple, list, string, integer, True, False or None',
    );
  }

  dict(depth: number): PyValue {
    this.pos++; // {
    const entries: [PyValue, PyValue][] = [];
    for (;;) {
      this.ws();
      if (this.s[this.pos] === '}') {
        this.pos++;
        return { kind: 'dict', entries };
      }
      const k = this.value(depth + 1);
      this.ws();
      if (this.s[this.pos] !== ':') throw this.fail('dict entry without a colon', "':'");
      this.pos++;
      this.ws();
      const v = this.value(depth + 1);
      entries.push([k, v]);
      this.ws();
      const c = this.s[this.pos];
      if (c === ',') this.pos++;
      else if (c !== '}') throw this.fail('dict not closed', "',' or '}'");
    }
  }

  seq(depth: number, close: string, kind: 'tuple' | 'list'): PyValue {
    this.pos++;
    const items: PyValue[] = [];
    for (;;) {
      this.ws();
      if (this.s[this.pos] === close) {
        this.pos++;
        return { kind, items };
      }
      items.push(this.value(depth + 1));
      this.ws();
      const c = this.s[this.pos];
      if (c === ',') this.pos++;
      else if (c !== close) throw this.fail(`${kind} not closed`, `',' or '${close}'`);
    }
  }

  int(): number {
    const m = /^[-+]?[0-9]+L?/.exec(this.s.slice(this.pos, this.pos + 40));
    if (!m) throw this.fail('bad integer', 'digits');
    const text = m[0].replace(/L$/, '');
    const v = Number(text);
    if (!Number.isSafeInteger(v)) throw this.fail('integer out of range', 'an integer below 2^53');
    this.pos += m[0].length;
    if (/[0-9.eExX_]/.test(this.s[this.pos] ?? '')) throw this.fail('not an integer', 'an integer');
    return v;
  }

  str(quote: string): string {
    const start = this.pos;
    this.pos++;
    let out = '';
    for (;;) {
      const c = this.s[this.pos];
      if (c === undefined || c === '\n') {
        this.pos = start;
        throw this.fail('unterminated string', `closing ${quote}`);
      }
      this.pos++;
      if (c === quote) return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.s[this.pos];
      this.pos++;
      switch (e) {
        case '\\':
        case "'":
        case '"':
          out += e;
          break;
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case '0':
          out += '\0';
          break;
        case 'x':
        case 'u':
        case 'U': {
          const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
          const hex = this.s.slice(this.pos, this.pos + n);
          const cp = /^[0-9a-fA-F]+$/.test(hex) && hex.length === n ? parseInt(hex, 16) : NaN;
          if (!(cp <= 0x10ffff)) throw this.fail('bad escape in string', `${n} hex digits`);
          out += String.fromCodePoint(cp);
          this.pos += n;
          break;
        }
        default:
          this.pos--;
          throw this.fail(
            'unknown escape in string',
            'one of \\\\ \\\' \\" \\n \\t \\r \\0 \\x \\u \\U',
          );
      }
    }
  }
}

/** Python-literal text for a value (the inverse of `parsePyLiteral` for what NPY writes). */
export function formatPyLiteral(v: PyValue): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return pyRepr(v);
  switch (v.kind) {
    case 'tuple':
      return v.items.length === 1
        ? `(${formatPyLiteral(v.items[0]!)},)`
        : `(${v.items.map(formatPyLiteral).join(', ')})`;
    case 'list':
      return `[${v.items.map(formatPyLiteral).join(', ')}]`;
    case 'dict':
      return `{${v.entries.map(([k, x]) => `${formatPyLiteral(k)}: ${formatPyLiteral(x)}`).join(', ')}}`;
  }
}

function pyRepr(s: string): string {
  let out = "'";
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === "'" || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (cp < 0x20 || cp === 0x7f) out += '\\x' + cp.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + "'";
}
