import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import { createRng } from '../../core/rng.js';
import {
  augmentSample,
  minMax,
  normaliseAngle,
  poissonAtDose,
  transposeSquare,
} from './augment.js';
import { formatLabelTable, labelValues, parseLabelTable, SCALE_LABELS } from './labels.js';
import {
  formatRegisterCsv,
  keyFolder,
  lookupModels,
  readRegister,
  registerModel,
} from './register.js';
import { parseZone, trainingTableFrom } from './table.js';
import { parseCsv } from '../../formats/table/csv.js';

describe('label tables', () => {
  it('are the sorted unique values, written and read as the seed does', () => {
    const v = labelValues(Float64Array.from([40, 10, 20, 10, 40]), 'Thickness');
    expect(v).toEqual([10, 20, 40]);
    const text = formatLabelTable('thickness', v);
    expect(text).toBe('Thickness / A,Index\n10,0\n20,1\n40,2\n');
    expect(parseLabelTable(text, 'l.csv')).toEqual({ target: 'thickness', labels: v });
    // pandas' to_csv with its index column, rows out of order
    const seed = ',Mistilt / mrad,Index\n0,2.5,1\n1,0,0\n';
    expect(parseLabelTable(seed, 's.csv')).toEqual({ target: 'mistilt', labels: [0, 2.5] });
  });

  it('refuse a single class', () => {
    expect(() => labelValues([5, 5], 'Mistilt')).toThrow(ValidationError);
  });
});

describe('training table', () => {
  it('reads the key of the model from Material, Electron_Energy and Direction', () => {
    const text =
      'Path;Thickness;Mistilt;Conv_Angle;Electron_Energy;Azimuth;Direction;Material\n' +
      'a/1.tif;10;0;20;80000;0;(0, 0, 1);Rutile\nb/2.tif;20;1;21;80000;0;(0, 0, 1);Rutile\n';
    const t = trainingTableFrom(parseCsv(text, { delimiter: ';' }), '/data/df.csv');
    expect(t).toMatchObject({ material: 'Rutile', kv: 80, zone: [0, 0, 1], rows: 2 });
    expect(t.paths).toEqual(['/data/a/1.tif', '/data/b/2.tif']);
    const mixed = text.replace('80000;0;(0, 0, 1);Rutile\nb', '300000;0;(0, 0, 1);Rutile\nb');
    expect(() => trainingTableFrom(parseCsv(mixed, { delimiter: ';' }), 'df.csv')).toThrow(
      /Electron_Energy: one model is for one value/,
    );
  });

  it('parses zone axes in the usual spellings', () => {
    for (const s of ['(0, 0, 1)', '0,0,1', '[0 0 1]', '001'])
      expect(parseZone(s)).toEqual([0, 0, 1]);
    expect(parseZone('1,-1,0')).toEqual([1, -1, 0]);
    expect(() => parseZone('0,1')).toThrow(ValidationError);
  });
});

describe('models register', () => {
  it("writes register.json and the seed's Register.csv, and looks models up by key", async () => {
    const root = mkdtempSync(join(tmpdir(), 'bragg-pacbed-reg-'));
    try {
      expect(await readRegister(root)).toEqual([]);
      const model = {
        id: 'x',
        dir: 'Rutile_80kV_001/thickness-x',
        convRange: [18, 22] as [number, number],
      };
      await registerModel(root, {
        material: 'Rutile',
        kv: 80,
        zone: [0, 0, 1],
        target: 'thickness',
        model,
      });
      await registerModel(root, {
        material: 'Rutile',
        kv: 80,
        zone: [0, 0, 1],
        target: 'mistilt',
        model: { ...model, id: 'y' },
      });
      const e = await lookupModels(root, 'rutile', 80, [0, 0, 1]);
      expect(e.dir).toBe(keyFolder('Rutile', 80, [0, 0, 1]));
      expect(Object.keys(e.models).sort()).toEqual(['mistilt', 'thickness']);
      expect(formatRegisterCsv([e])).toBe(
        'id;material;high tension;direction\nRutile_80kV_001;Rutile;80;(0, 0, 1)\n',
      );
      await expect(lookupModels(root, 'Rutile', 300, [0, 0, 1])).rejects.toThrow(NotFoundError);
      await expect(lookupModels(root, 'Rutile', 300, [0, 0, 1])).rejects.toThrow(
        /registered: Rutile, 80 kV, \[0 0 1\]/,
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("reads a root that has only the seed's Register.csv", async () => {
    const root = mkdtempSync(join(tmpdir(), 'bragg-pacbed-reg-'));
    try {
      writeFileSync(
        join(root, 'Register.csv'),
        'material;high tension;direction\nRutile;80;(0, 0, 1)\n',
      );
      const [e] = await readRegister(root);
      expect(e).toMatchObject({
        material: 'Rutile',
        kv: 80,
        zone: [0, 0, 1],
        dir: 'Rutile_80kV_001',
        models: {},
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('training augmentation (seed notebook)', () => {
  const img = Float32Array.from({ length: 16 * 16 }, (_, i) =>
    Math.exp(-(((i % 16) - 8) ** 2 + (Math.floor(i / 16) - 8) ** 2) / 20),
  );
  const o = { target: 'thickness' as const, size: 16, convRange: [18, 22] as const };

  it('gives the same bytes for the same seed and other bytes for another', () => {
    const a = augmentSample(img, 20, createRng(7), o);
    const b = augmentSample(img, 20, createRng(7), o);
    expect(Buffer.from(a.image.buffer)).toEqual(Buffer.from(b.image.buffer));
    expect(a.angle).toBe(b.angle);
    const c = augmentSample(img, 20, createRng(8), o);
    expect(Buffer.from(c.image.buffer)).not.toEqual(Buffer.from(a.image.buffer));
  });

  it('rescales to [-1, 1] and jitters the normalised angle by about 0.05', () => {
    const angles: number[] = [];
    for (let s = 0; s < 200; s++) {
      const r = augmentSample(img, 21, createRng(s), { ...o, dose: 50 });
      expect(Math.min(...r.image)).toBeCloseTo(-1, 6);
      expect(Math.max(...r.image)).toBeCloseTo(1, 6);
      angles.push(r.angle);
    }
    const mean = angles.reduce((a, b) => a + b, 0) / angles.length;
    const sd = Math.sqrt(angles.reduce((a, b) => a + (b - mean) ** 2, 0) / angles.length);
    expect(mean).toBeCloseTo(normaliseAngle(21, [18, 22]), 1);
    expect(sd).toBeGreaterThan(0.04);
    expect(sd).toBeLessThan(0.06);
  });

  it('draws a scale class per sample for the scale target', () => {
    const seen = new Set<number>();
    for (let s = 0; s < 100; s++) {
      const r = augmentSample(img, 20, createRng(s), { ...o, target: 'scale' });
      expect(r.scaleClass).toBeGreaterThanOrEqual(0);
      seen.add(r.scaleClass!);
    }
    expect(seen.size).toBeGreaterThan(SCALE_LABELS.length / 2);
  });

  it('without geometry or noise gives the min–max image; transpose gives its exact transpose', () => {
    // an asymmetric image, so that a transpose shows
    const a = Float32Array.from({ length: 16 * 16 }, (_, i) => (i % 16) + 3 * Math.floor(i / 16));
    const none = { shear: 0, rotation: 0, shift: 0, flips: false };
    const q = { ...o, zoom: [1, 1] as const, anisotropy: 0, noise: 0 };
    const plain = augmentSample(a, 20, createRng(3), { ...q, geometry: { ...none } });
    const expected = minMax(Float32Array.from(a), -1, 1);
    for (let i = 0; i < a.length; i++) expect(plain.image[i]).toBeCloseTo(expected[i]!, 5);
    let transposed = 0;
    for (let s = 0; s < 20; s++) {
      const r = augmentSample(a, 20, createRng(s), {
        ...q,
        geometry: { ...none, transpose: true },
      });
      const t = transposeSquare(expected, 16);
      const same = r.image.every((v, i) => Math.abs(v - expected[i]!) < 1e-5);
      const tr = r.image.every((v, i) => Math.abs(v - t[i]!) < 1e-5);
      expect(same || tr).toBe(true);
      if (tr) transposed++;
    }
    expect(transposed).toBeGreaterThan(3);
    expect(transposed).toBeLessThan(17);
  });

  it('Poisson noise at a dose keeps the mean', () => {
    const a = new Float32Array(10_000).fill(0.5);
    poissonAtDose(createRng(1), a, 100);
    const m = a.reduce((x, y) => x + y, 0) / a.length;
    expect(m).toBeCloseTo(0.5, 2);
    expect(() => poissonAtDose(createRng(1), a, 0)).toThrow(ValidationError);
  });
});
