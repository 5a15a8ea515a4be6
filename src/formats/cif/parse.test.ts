import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../core/errors.js';
import { sharedDataDir } from '../../core/paths.js';
import { createRng } from '../../core/rng.js';
import {
  expectOnlyTypedErrors,
  mutations,
  truncations,
} from '../../../test/support/formats/fuzz.js';
import { parseCif } from './parse.js';
import { openCifText } from './reader.js';
import {
  formatCif,
  formatCifNumber,
  formatCifValue,
  getColumn,
  getValue,
  parseCifNumber,
  valueText,
} from './values.js';

const one = (cif: string, tag: string) => getValue(parseCif(cif).blocks[0]!, tag);

describe('CIF 1.1 syntax', () => {
  it('reads several blocks, items, loops, comments; tags are case-insensitive', () => {
    const doc = parseCif(
      `# comment\ndata_first\n_Cell_Length_A 5.431 # trailing comment\nloop_\n_x _y\n1 2\n3 4\n\ndata_second\n_name abc#notacomment\n`,
    );
    expect(doc.blocks.map((b) => b.name)).toEqual(['first', 'second']);
    const [a, b] = doc.blocks;
    expect(valueText(getValue(a!, '_cell_length_a'))).toBe('5.431');
    expect(getColumn(a!, '_y')!.map(valueText)).toEqual(['2', '4']);
    expect(a!.loops).toEqual([['_x', '_y']]);
    expect(valueText(getValue(b!, '_name'))).toBe('abc#notacomment');
  });

  it("a quote closes only when followed by whitespace ('it's' is one value)", () => {
    expect(valueText(one(`data_a\n_t 'it's here'\n`, '_t'))).toBe("it's here");
    expect(valueText(one(`data_a\n_t "say "hi"now"\n`, '_t'))).toBe('say "hi"now');
    // ... and a quote followed by a blank does close it: the rest is another value.
    expect(() => parseCif(`data_a\n_t "say "hi" now"\n`)).toThrow(/value without a tag/);
    expect(valueText(one(`data_a\n_t 'a"b'\n`, '_t'))).toBe('a"b');
    expect(valueText(one(`data_a\n_t ''\n`, '_t'))).toBe('');
    expect(valueText(one(`data_a\n_t don't\n`, '_t'))).toBe("don't");
  });

  it('text fields: from a line starting with ; to the next such line', () => {
    const v = one(`data_a\n_t\n;\n line one\n  line;two\n;\n_u 1\n`, '_t');
    expect(valueText(v)).toBe('\n line one\n  line;two');
    expect(valueText(one(`data_a\r\n_t\r\n;x\r\ny\r\n;\r\n`, '_t'))).toBe('x\ny');
  });

  it('? and . are unknown / inapplicable unless quoted', () => {
    expect(one(`data_a\n_t ?\n`, '_t')).toEqual({ kind: 'unknown' });
    expect(one(`data_a\n_t .\n`, '_t')).toEqual({ kind: 'inapplicable' });
    expect(one(`data_a\n_t '?'\n`, '_t')).toEqual({ kind: 'text', text: '?', quoted: true });
  });

  it('numbers with standard uncertainties', () => {
    expect(parseCifNumber('1.234(5)')).toEqual({ value: 1.234, su: expect.closeTo(0.005, 15) as number }); // prettier-ignore
    expect(parseCifNumber('2.464(2)')!.su).toBeCloseTo(0.002, 15);
    expect(parseCifNumber('100.3(1)')!.su).toBeCloseTo(0.1, 15);
    expect(parseCifNumber('9.0(5)')).toEqual({ value: 9, su: 0.5 });
    expect(parseCifNumber('12(3)')).toEqual({ value: 12, su: 3 });
    expect(parseCifNumber('1.5e-3(2)')!.su).toBeCloseTo(2e-4, 15);
    expect(parseCifNumber('-.25')).toEqual({ value: -0.25 });
    expect(parseCifNumber('3.')).toEqual({ value: 3 });
    for (const bad of ['', 'abc', '1.2.3', '1(2', '(3)', '1e', '--1', '1,5']) {
      expect(parseCifNumber(bad), bad).toBeUndefined();
    }
  });

  const errors: [string, string, RegExp][] = [
    ['unterminated quote', `data_a\n_t 'abc\n`, /unterminated single-quoted string on line 2/],
    ['unterminated text field', `data_a\n_t\n;abc\n`, /unterminated text field on line 3/],
    ['loop count', `data_a\nloop_\n_x _y\n1 2 3\n`, /2 tags .* has 3 values on line 2; expected a multiple of 2/],
    ['tag without value', `data_a\n_t\n_u 1\n`, /tag _t has no value/],
    ['value without tag', `data_a\n_t 1 2\n`, /value without a tag/],
    ['content before data_', `_t 1\ndata_a\n`, /content before the first data block/],
    ['duplicate tag', `data_a\n_t 1\n_T 2\n`, /duplicate tag _T/],
    ['duplicate block', `data_a\ndata_A\n`, /duplicate data block/],
    ['empty loop', `data_a\nloop_\nloop_\n_x 1\n`, /loop_ without tags/],
    ['no block', `# only a comment\n`, /no data block/],
    ['STAR global', `data_a\nglobal_\n`, /STAR keyword/],
  ]; // prettier-ignore
  for (const [name, text, re] of errors) {
    it(`throws FormatError with the line for: ${name}`, () => {
      let err: unknown;
      try {
        parseCif(text, 'x.cif');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(FormatError);
      expect((err as FormatError).message).toMatch(re);
      expect((err as FormatError).file).toBe('x.cif');
      expect((err as FormatError).offset).toBeGreaterThanOrEqual(0);
    });
  }
});

describe('print → parse round trips (fast-check)', () => {
  // CIF 1.1 text is printable ASCII plus tab and newline.
  const cifChar = fc.constantFrom(
    ...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)),
    '\t',
    '\n',
  );
  const cifString = fc
    .array(cifChar, { maxLength: 40 })
    .map((a) => a.join(''))
    .filter((s) => !/\n;/.test(s) && !s.startsWith(';'));

  it('any representable string survives formatCifValue → parse, alone and in loops', () => {
    fc.assert(
      fc.property(fc.array(cifString, { minLength: 1, maxLength: 6 }), (values) => {
        const single = `data_t\n_v ${formatCifValue(values[0]!)}\n`;
        expect(valueText(one(single, '_v'))).toBe(values[0]);
        const loop = `data_t\nloop_\n_v\n${values.map((v) => formatCifValue(v)).join(' ')}\n`;
        expect(getColumn(parseCif(loop).blocks[0]!, '_v')!.map(valueText)).toEqual(values);
      }),
      { seed: 42, numRuns: 400 },
    );
  });

  it('numbers with su: the value is kept to within su/2 and su to 1 or 2 significant digits', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e4, max: 1e4, noNaN: true }),
        fc.double({ min: 1e-6, max: 10, noNaN: true }),
        (value, su) => {
          const text = formatCifNumber(value, su);
          const n = parseCifNumber(text)!;
          expect(Math.abs(n.value - value)).toBeLessThanOrEqual(su / 2 + 1e-9);
          expect(n.su! / su).toBeGreaterThan(0.7);
          expect(n.su! / su).toBeLessThan(1.3);
        },
      ),
      { seed: 5, numRuns: 300 },
    );
  });

  it('formatCif → parseCif reproduces every value of every real CIF', () => {
    const dir = join(sharedDataDir(), 'cif');
    if (!existsSync(dir)) return;
    for (const sub of ['dans_diffraction', 'diffpy_structure']) {
      for (const f of readdirSync(join(dir, sub)).filter((x) => x.endsWith('.cif'))) {
        let doc;
        try {
          doc = parseCif(readFileSync(join(dir, sub, f), 'utf8'));
        } catch {
          continue; // LiCl-bad.cif is tested elsewhere
        }
        const again = parseCif(formatCif(doc));
        expect(again.blocks.length).toBe(doc.blocks.length);
        doc.blocks.forEach((b, i) => {
          const c = again.blocks[i]!;
          expect([...c.values.keys()].sort()).toEqual([...b.values.keys()].sort());
          for (const [k, vals] of b.values) {
            expect(c.values.get(k)!.map(valueText), `${f} ${k}`).toEqual(vals.map(valueText));
          }
        });
      }
    }
  });
});

describe.skipIf(!existsSync(join(sharedDataDir(), 'cif')))(
  'bad input: only typed errors from the syntax-only reader',
  () => {
    const dir = join(sharedDataDir(), 'cif');
    const files = ['dans_diffraction/Graphite.cif', 'diffpy_structure/TeI.cif', 'diffpy_structure/PbTe.cif', 'dans_diffraction/Rutile.cif']; // prettier-ignore

    it('truncations of real CIFs', async () => {
      for (const f of files) {
        const bytes = readFileSync(join(dir, f));
        for (const t of truncations(bytes, 80)) {
          const text = new TextDecoder().decode(t);
          await expectOnlyTypedErrors(() => openCifText(text, f));
        }
      }
    });

    it('600 seeded byte mutations of real CIFs', async () => {
      let failures = 0;
      for (const [i, f] of files.entries()) {
        const bytes = readFileSync(join(dir, f));
        for (const m of mutations(bytes, 1000 + i, 150)) {
          const text = new TextDecoder().decode(m.bytes);
          const r = await expectOnlyTypedErrors(() => openCifText(text, f));
          if (r !== 'ok') failures++;
        }
      }
      expect(failures).toBeGreaterThan(0); // the mutations do reach the error paths
    });

    it('token-level mutations (swap, drop, duplicate lines and words) of real CIFs', async () => {
      const rng = createRng(99);
      for (const f of files) {
        const lines = readFileSync(join(dir, f), 'utf8').split('\n');
        for (let k = 0; k < 60; k++) {
          const ls = [...lines];
          const i = rng.int(ls.length);
          const j = rng.int(ls.length);
          const op = rng.int(4);
          if (op === 0) [ls[i], ls[j]] = [ls[j]!, ls[i]!];
          else if (op === 1) ls.splice(i, 1);
          else if (op === 2) ls.splice(i, 0, ls[j]!);
          else ls[i] = ls[i]!.split(/\s+/).reverse().join(' ');
          await expectOnlyTypedErrors(() => openCifText(ls.join('\n'), f));
        }
      }
    });

    it('random unicode text', async () => {
      await fc.assert(
        fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 300 }), async (s) => {
          await expectOnlyTypedErrors(() => openCifText(s, 'x.cif'));
          await expectOnlyTypedErrors(() => openCifText(`data_x\n${s}`, 'x.cif'));
          await expectOnlyTypedErrors(() => openCifText(`data_x\n_cell_length_a 3\n_cell_length_b 3\n_cell_length_c 3\nloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n${s}`, 'x.cif')); // prettier-ignore
        }),
        { seed: 17, numRuns: 300 },
      );
    });
  },
);
