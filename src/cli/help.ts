/**
 * Help text that reads well at any width. The commands write their descriptions with line
 * breaks where the source is easy to read (~95 columns); commander keeps every break and wraps
 * each line again at the terminal's width (80 in a pipe), which leaves one- and two-word lines.
 * Here a description is reflowed first: consecutive lines of one paragraph are joined, an
 * empty line ends a paragraph, a line that starts with a list marker (`-`, `*`, `•`) or with
 * less indentation than its paragraph starts a new one, and a paragraph's deeper-indented
 * lines are its hanging indent. Then each paragraph is wrapped at the width with that indent.
 */
import type { Command, HelpConfiguration } from 'commander';

interface Paragraph {
  indent: number;
  /** Indent of the lines after the first, once a deeper line set it. */
  hanging: number | undefined;
  /** Starts with a marker (`-`, `--flag`, `*`, `•`) or is indented: only deeper lines join it. */
  item: boolean;
  marker: boolean;
  words: string[];
}

const MARKER = /^[-*•]/;

/**
 * `text` split into paragraphs; `undefined` entries are empty lines. A line joins the paragraph
 * before it when both are plain text at indent 0, or when the paragraph is an item (a marker or
 * an indent) and the line is deeper than the item's first line (its hanging indent), whatever
 * it starts with. Anything else starts a paragraph of its own: list items and `--flag` lines at
 * an item's level, examples, stay on their lines.
 */
function paragraphs(text: string): (Paragraph | undefined)[] {
  const out: (Paragraph | undefined)[] = [];
  let cur: Paragraph | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trimEnd();
    if (line.trim() === '') {
      cur = undefined;
      out.push(undefined);
      continue;
    }
    const ind = line.length - line.trimStart().length;
    const body = line.trimStart();
    const words = body.split(/\s+/);
    const marker = MARKER.test(body);
    // inside an item, a deeper line continues it even when it starts with a dash (`--flag`
    // in the middle of a sentence); a marker at the item's level or above starts a new one
    const joins =
      cur !== undefined &&
      (cur.item
        ? ind > cur.indent && (cur.hanging === undefined || ind === cur.hanging)
        : ind === 0 && !marker);
    if (joins && cur !== undefined) {
      if (cur.item) cur.hanging = ind;
      cur.words.push(...words);
    } else {
      cur = { indent: ind, hanging: undefined, item: marker || ind > 0, marker, words };
      out.push(cur);
    }
  }
  return out;
}

/** `text` reflowed into paragraphs and wrapped at `width` columns (long words stay whole). */
export function reflow(text: string, width: number): string {
  const lines: string[] = [];
  for (const p of paragraphs(text)) {
    if (p === undefined) {
      lines.push('');
      continue;
    }
    let line = ' '.repeat(p.indent);
    let empty = true;
    for (const w of p.words) {
      if (!empty && line.length + 1 + w.length > width) {
        lines.push(line);
        line = ' '.repeat(p.hanging ?? p.indent + (p.marker ? 2 : 0)) + w;
      } else {
        line += (empty ? '' : ' ') + w;
      }
      empty = false;
    }
    lines.push(line);
  }
  return lines.join('\n');
}

/** The help configuration of every bragg command: descriptions reflowed (see the module doc). */
export const HELP_CONFIG: HelpConfiguration = {
  // commander leaves "preformatted" text (a break followed by spaces) unwrapped; reflow it all
  preformatted: () => false,
  boxWrap: (str: string, width: number) => reflow(str, Math.max(width, 40)),
};

/** Applies {@link HELP_CONFIG} to `cmd` and every command below it. */
export function configureHelpTree(cmd: Command): void {
  cmd.configureHelp(HELP_CONFIG);
  for (const sub of cmd.commands) configureHelpTree(sub);
}
