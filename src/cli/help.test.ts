import { describe, expect, it } from 'vitest';
import { buildProgram } from './main.js';
import { reflow } from './help.js';

describe('help reflow', () => {
  it('joins the lines of a paragraph and wraps them at the width', () => {
    const text = 'one two three\nfour five six seven\neight';
    expect(reflow(text, 14)).toBe('one two three\nfour five six\nseven eight');
    // no line longer than the width unless one word is
    for (const l of reflow(text.repeat(5), 20).split('\n'))
      expect(l.length).toBeLessThanOrEqual(20);
  });

  it('keeps empty lines, list items and --flag items apart, with their hanging indent', () => {
    const text = [
      'Intro line one',
      'continued.',
      '',
      '- first item that',
      '  goes on',
      '- second',
      'Methods:',
      '  --method a: the first method',
      '    with more words --cc and',
      '    an end.',
      '  --method b: short',
    ].join('\n');
    expect(reflow(text, 200).split('\n')).toEqual([
      'Intro line one continued.',
      '',
      '- first item that goes on',
      '- second',
      'Methods:',
      '  --method a: the first method with more words --cc and an end.',
      '  --method b: short',
    ]);
    // wrapped items continue at their hanging indent
    expect(reflow('  --method a: alpha beta gamma delta\n    epsilon', 24).split('\n')).toEqual([
      '  --method a: alpha beta',
      '    gamma delta epsilon',
    ]);
    expect(reflow('- alpha beta gamma delta', 12).split('\n')).toEqual([
      '- alpha beta',
      '  gamma',
      '  delta',
    ]);
  });

  it('leaves indented lines of a plain paragraph (examples) on their own lines', () => {
    expect(reflow('Examples:\n  bragg a --x\n  bragg b', 80).split('\n')).toEqual([
      'Examples:',
      '  bragg a --x',
      '  bragg b',
    ]);
  });

  it("is what every command's help uses: no line of a source break left as a stub", () => {
    const program = buildProgram();
    const peaks = program.commands.find((c) => c.name() === 'peaks')!;
    const train = peaks.commands.find((c) => c.name() === 'train')!;
    train.configureOutput({ getOutHelpWidth: () => 80 });
    const help = train.helpInformation();
    // the description is written with breaks at ~95 columns; reflowed, no line exceeds 80
    // and the sentence that spanned a source break reads on one line
    for (const l of help.split('\n')) expect(l.length).toBeLessThanOrEqual(80);
    expect(help.replace(/\s+/g, ' ')).toContain('conv1×1-ReLU-BN, --channels clusters;');
    expect(help).not.toMatch(/\n\s*the\n/);
  });
});
