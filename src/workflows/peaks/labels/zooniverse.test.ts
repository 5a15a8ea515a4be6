import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedDataDir } from '../../../core/paths.js';
import { consensusMask, parseZooniverse, type LabelledFrame } from './zooniverse.js';

const CSV = join(sharedDataDir(), 'labels', 'dipid', 'clean_full_dataset.csv');

function row(id: number, image: string, t1: string, polys: [number, number][][]): string {
  const subject = { [`${id}`]: { retired: null, 'Image Number': image } };
  const anns = [
    { task: 'T1', value: t1 },
    {
      task: 'T3',
      value: polys.map((p) => ({ tool: 0, points: p.map(([x, y]) => ({ x, y })) })),
    },
  ];
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  return [id, q(JSON.stringify(subject)), q(JSON.stringify(anns)), id].join(',');
}

const square = (x0: number, y0: number, s: number): [number, number][] => [
  [x0, y0],
  [x0 + s, y0],
  [x0 + s, y0 + s],
  [x0, y0 + s],
];

describe('Zooniverse export', () => {
  it('groups classifications by frame and applies the ⌈k/2⌉ pixel-vote consensus', () => {
    const text = [
      'classification_id,subject_data,annotations,subject_ids',
      row(1, '7-3', '2', [square(10.5, 10.5, 10), square(100.5, 50.5, 6)]),
      row(2, '7-3', '1', [square(12.5, 12.5, 10)]),
      row(3, '7-3', 'more than 3', [square(14.5, 14.5, 4)]),
      row(4, '7-1', '0', []),
    ].join('\n');
    const z = parseZooniverse(text);
    expect(z.classifications).toBe(4);
    expect(z.polygons).toBe(4);
    expect(z.frames.map((f) => f.image)).toEqual(['7-1', '7-3']);
    const f = z.frames[1]!;
    const c = consensusMask(f, 64, 128);
    expect(c.volunteers).toBe(3);
    expect(c.count).toBe(2); // median of 2, 1, 4
    // Two of three volunteers cover x, y in 13..20: one instance; the lone square is dropped.
    expect(c.instances).toBe(1);
    let area = 0;
    for (const v of c.mask) if (v) area++;
    expect(area).toBe(8 * 8);
    expect(c.mask[15 * 128 + 15]).toBe(1);
    expect(c.mask[53 * 128 + 103]).toBe(0);
    const empty = consensusMask(z.frames[0] as LabelledFrame, 64, 128);
    expect(empty.instances).toBe(0);
    expect(empty.count).toBe(0);
  });

  it('names the row of a broken classification', () => {
    const text = 'classification_id,subject_data,annotations\n1,"{""a"": {}}","[]"\n';
    expect(() => parseZooniverse(text, 'x.csv')).toThrow(/Image Number/);
  });

  describe.skipIf(!existsSync(CSV))('the DiPID export (shared data)', () => {
    it('has the counts MANIFEST §4b gives', () => {
      const z = parseZooniverse(readFileSync(CSV, 'utf8'), CSV);
      expect(z.classifications).toBe(763);
      expect(z.frames.length).toBe(488);
      expect(new Set(z.frames.map((f) => f.scan))).toEqual(
        new Set(['794625', '794661', '794663', '794673', '794689', '794710', '794910', '794916']),
      );
      expect(z.polygons).toBe(1251);
      expect(z.countAnswers).toEqual({
        '0': 57,
        '1': 339,
        '2': 246,
        '3': 86,
        'more than 3': 35,
      });
      // The frame of the export's first row (794673-14): two polygons, at least one instance.
      const f = z.frames.find((x) => x.image === '794673-14')!;
      expect(f.classifications.length).toBeGreaterThanOrEqual(1);
      const c = consensusMask(f);
      expect(c.instances).toBeGreaterThanOrEqual(1);
    });
  });
});
