/**
 * CIF 1.1 syntax (Hall, Allen & Brown, Acta Cryst. A47 (1991) 655; the IUCr CIF 1.1
 * specification): data blocks, tags, loops, bare / 'single' / "double" quoted values (a
 * quote closes only when followed by whitespace), `;` text fields, `#` comments, `?` and
 * `.`. Tags are case-insensitive and stored lower-case. Every syntax problem is a
 * FormatError with the line, byte offset and what was expected.
 */
import { FormatError } from '../../core/errors.js';

export type CifValue =
  | { kind: 'unknown' }
  | { kind: 'inapplicable' }
  | {
      kind: 'text';
      text: string;
      /** Written quoted or as a text field (then `?` and `.` are plain text). */
      quoted: boolean;
    };

export interface CifBlock {
  /** Name after `data_` (or `save_`), as written. */
  name: string;
  /** Every tag (lower-case) → its values: one for a single item, one per row for a loop. */
  values: Map<string, CifValue[]>;
  /** Tags as written, in file order. */
  tags: string[];
  /** Loops, each as its lower-case tags. */
  loops: string[][];
  /** Save frames inside the block (dictionaries). */
  saveFrames: CifBlock[];
}

export interface CifDocument {
  blocks: CifBlock[];
}

interface Token {
  type: 'tag' | 'value' | 'data' | 'loop' | 'save' | 'global' | 'stop';
  text: string;
  value?: CifValue;
  pos: number;
}

const isSpace = (c: string | undefined) => c === ' ' || c === '\t' || c === '\n' || c === '\r';

/** Byte offset of character index `pos` in the UTF-8 encoding of `text`. */
function byteOffset(text: string, pos: number): number {
  return new TextEncoder().encode(text.slice(0, pos)).length;
}

function lineOf(text: string, pos: number): number {
  let n = 1;
  for (let i = 0; i < pos && i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

class Tokenizer {
  private i = 0;
  constructor(
    private readonly text: string,
    private readonly file: string | undefined,
  ) {}

  error(what: string, pos: number, expected?: string, found?: string, path?: string): FormatError {
    return new FormatError('CIF', `${what} on line ${lineOf(this.text, pos)}`, {
      ...(this.file !== undefined ? { file: this.file } : {}),
      offset: byteOffset(this.text, pos),
      ...(path !== undefined ? { path } : {}),
      ...(expected !== undefined ? { expected } : {}),
      ...(found !== undefined ? { found } : {}),
    });
  }

  next(): Token | undefined {
    const t = this.text;
    for (;;) {
      while (this.i < t.length && isSpace(t[this.i])) this.i++;
      if (this.i >= t.length) return undefined;
      if (t[this.i] === '#') {
        while (this.i < t.length && t[this.i] !== '\n' && t[this.i] !== '\r') this.i++;
        continue;
      }
      break;
    }
    const start = this.i;
    const c = t[start]!;
    const atLineStart = start === 0 || t[start - 1] === '\n' || t[start - 1] === '\r';
    if (c === ';' && atLineStart) {
      let j = start + 1;
      for (;;) {
        const nl = t.indexOf('\n', j);
        if (nl < 0) {
          throw this.error('unterminated text field', start, "a line starting with ';'", 'end of file'); // prettier-ignore
        }
        if (t[nl + 1] === ';') {
          let end = nl;
          if (t[end - 1] === '\r') end--;
          this.i = nl + 2;
          const text = t.slice(start + 1, Math.max(start + 1, end)).replace(/\r\n/g, '\n');
          return { type: 'value', text, value: { kind: 'text', text, quoted: true }, pos: start };
        }
        j = nl + 1;
      }
    }
    if (c === "'" || c === '"') {
      let j = start + 1;
      for (;;) {
        if (j >= t.length || t[j] === '\n' || t[j] === '\r') {
          throw this.error(
            `unterminated ${c === "'" ? 'single' : 'double'}-quoted string`,
            start,
            `a closing ${c} followed by whitespace on the same line`,
            j >= t.length ? 'end of file' : 'end of line',
          );
        }
        if (t[j] === c && (j + 1 >= t.length || isSpace(t[j + 1]))) break;
        j++;
      }
      this.i = j + 1;
      const text = t.slice(start + 1, j);
      return { type: 'value', text, value: { kind: 'text', text, quoted: true }, pos: start };
    }
    let j = start;
    while (j < t.length && !isSpace(t[j])) j++;
    this.i = j;
    const word = t.slice(start, j);
    if (c === '_') return { type: 'tag', text: word, pos: start };
    const lower = word.toLowerCase();
    if (lower.startsWith('data_')) return { type: 'data', text: word.slice(5), pos: start };
    if (lower === 'loop_') return { type: 'loop', text: word, pos: start };
    if (lower.startsWith('save_')) return { type: 'save', text: word.slice(5), pos: start };
    if (lower === 'global_') return { type: 'global', text: word, pos: start };
    if (lower === 'stop_') return { type: 'stop', text: word, pos: start };
    let value: CifValue;
    if (word === '?') value = { kind: 'unknown' };
    else if (word === '.') value = { kind: 'inapplicable' };
    else value = { kind: 'text', text: word, quoted: false };
    return { type: 'value', text: word, value, pos: start };
  }
}

function newBlock(name: string): CifBlock {
  return { name, values: new Map(), tags: [], loops: [], saveFrames: [] };
}

/** Parse CIF 1.1 text into data blocks. `file` is used in error messages. */
export function parseCif(text: string, file?: string): CifDocument {
  const tk = new Tokenizer(text, file);
  const blocks: CifBlock[] = [];
  const names = new Set<string>();
  let block: CifBlock | undefined;
  let frame: CifBlock | undefined; // current save frame, if any
  let pending: Token | undefined; // tag waiting for its value
  let loop: { tags: string[]; values: CifValue[]; pos: number; open: boolean } | undefined;

  const target = () => frame ?? block!;
  const where = (tag: string) => `data_${block?.name ?? ''}/${tag}`;

  const addTag = (tok: Token) => {
    const key = tok.text.toLowerCase();
    const b = target();
    if (b.values.has(key)) {
      throw tk.error(`duplicate tag ${tok.text} in data_${block!.name}`, tok.pos, 'each tag once per block', undefined, where(tok.text)); // prettier-ignore
    }
    b.values.set(key, []);
    b.tags.push(tok.text);
    return key;
  };

  const closeLoop = () => {
    if (!loop) return;
    const n = loop.tags.length;
    if (n === 0) throw tk.error('loop_ without tags', loop.pos, 'tags after loop_');
    if (loop.values.length % n !== 0) {
      throw tk.error(
        `loop of ${n} tags (${loop.tags.join(' ')}) has ${loop.values.length} values`,
        loop.pos,
        `a multiple of ${n} values`,
        `${loop.values.length} (${loop.values.length % n} left over)`,
        where(loop.tags[0]!),
      );
    }
    const b = target();
    loop.tags.forEach((tag, k) => {
      const col: CifValue[] = [];
      for (let r = k; r < loop!.values.length; r += n) col.push(loop!.values[r]!);
      b.values.set(tag, col);
    });
    b.loops.push(loop.tags);
    loop = undefined;
  };

  const checkPending = (pos: number, found: string) => {
    if (pending) {
      throw tk.error(`tag ${pending.text} has no value`, pos, `a value for ${pending.text}`, found, where(pending.text)); // prettier-ignore
    }
  };

  for (let tok = tk.next(); tok; tok = tk.next()) {
    if (tok.type === 'global' || tok.type === 'stop') {
      throw tk.error(`STAR keyword ${tok.text} is not allowed in CIF`, tok.pos);
    }
    if (tok.type === 'data') {
      closeLoop();
      checkPending(tok.pos, `data_${tok.text}`);
      if (frame) throw tk.error(`save frame save_${frame.name} not closed`, tok.pos, 'save_');
      if (tok.text === '') throw tk.error('data block without a name', tok.pos, 'data_<name>', 'data_'); // prettier-ignore
      const key = tok.text.toLowerCase();
      if (names.has(key)) throw tk.error(`duplicate data block data_${tok.text}`, tok.pos);
      names.add(key);
      block = newBlock(tok.text);
      blocks.push(block);
      continue;
    }
    if (!block) {
      throw tk.error('content before the first data block', tok.pos, 'data_<name>', tok.text.slice(0, 40)); // prettier-ignore
    }
    if (tok.type === 'save') {
      closeLoop();
      checkPending(tok.pos, `save_${tok.text}`);
      if (tok.text === '') {
        if (!frame) throw tk.error('save_ without an open save frame', tok.pos);
        frame = undefined;
      } else {
        if (frame) throw tk.error(`save frame save_${frame.name} not closed`, tok.pos, 'save_');
        frame = newBlock(tok.text);
        block.saveFrames.push(frame);
      }
      continue;
    }
    if (tok.type === 'loop') {
      closeLoop();
      checkPending(tok.pos, 'loop_');
      loop = { tags: [], values: [], pos: tok.pos, open: true };
      continue;
    }
    if (tok.type === 'tag') {
      if (loop?.open) {
        loop.tags.push(addTag(tok));
        continue;
      }
      closeLoop();
      checkPending(tok.pos, tok.text);
      addTag(tok);
      pending = tok;
      continue;
    }
    // value
    if (loop) {
      if (loop.tags.length === 0) {
        throw tk.error('loop_ without tags', loop.pos, 'tags after loop_', tok.text.slice(0, 40));
      }
      loop.open = false;
      loop.values.push(tok.value!);
      continue;
    }
    if (!pending) {
      throw tk.error('value without a tag', tok.pos, 'a tag (_name) before the value', tok.text.slice(0, 40)); // prettier-ignore
    }
    target().values.get(pending.text.toLowerCase())!.push(tok.value!);
    pending = undefined;
  }
  closeLoop();
  checkPending(text.length, 'end of file');
  if (frame) throw tk.error(`save frame save_${frame.name} not closed`, text.length, 'save_', 'end of file'); // prettier-ignore
  if (blocks.length === 0) {
    throw new FormatError('CIF', 'no data block', {
      ...(file !== undefined ? { file } : {}),
      offset: 0,
      expected: 'data_<name>',
      found: text.trim() === '' ? 'an empty file' : 'none',
    });
  }
  return { blocks };
}
