import { describe, expect, it } from 'vitest';
import { rutile } from '../../../test/support/simulate/multislice/crystals.js';
import { buildSliceStack, planSimulation, type MultisliceParams } from './plan.js';
import { simulatePacbed } from './simulate.js';
import type { CrystalLike } from './specimen.js';
import { relativeL1 } from './prism.js';
import {
  SQUARE_OPERATIONS,
  latticePixels,
  positionOrbits,
  specimenSymmetry,
  symmetrisePattern,
  type GridOp,
} from './symmetry.js';

// Rutile [001] on a 2×2-cell, 96² grid (48 px per cell), 6×6 positions over the cell.
const BASE: MultisliceParams = {
  zone: [0, 0, 1],
  kv: 80,
  convergenceAngle: 20,
  thicknesses: [30, 60],
  sampling: 0.1,
  extent: 9.2,
  scan: 6,
};

const opKey = (o: GridOp): string => `${o.r.join(',')}:${o.t.join(',')}`;

async function opsOf(crystal: CrystalLike, params: MultisliceParams): Promise<string[]> {
  const plan = planSimulation(crystal, params);
  const stack = await buildSliceStack(plan, 0);
  return specimenSymmetry(plan, stack.transmissions).map(opKey).sort();
}

describe('specimen symmetry', () => {
  it('finds the grid operations of rutile [001] that keep every slice: 1, 2, m[110], m[1-10]', async () => {
    // P4₂/mnm (International Tables A, No. 136): of the point group 4/mmm only 1, 2_z and the
    // mirrors ⊥ [110] and [1-10] keep z, with Ti at the origin; the 4₂ screw and the n-glides
    // move the z = 0 slice onto the z = c/2 one, so they are not symmetries of one slice.
    expect(await opsOf(rutile(), BASE)).toEqual(
      ['1,0,0,1:0,0', '-1,0,0,-1:0,0', '0,1,1,0:0,0', '0,-1,-1,0:0,0'].sort(),
    );
  });

  it('keeps only the operations that fix the mistilt vector', async () => {
    expect(await opsOf(rutile(), { ...BASE, mistilt: 2, azimuth: 45 })).toEqual(
      ['1,0,0,1:0,0', '0,1,1,0:0,0'].sort(),
    );
    expect(await opsOf(rutile(), { ...BASE, mistilt: 2, azimuth: 0 })).toEqual(['1,0,0,1:0,0']);
  });

  it('rejects an operation that the specimen nearly has: one O moved by 0.02 Å', async () => {
    const c = rutile();
    const moved: CrystalLike = {
      ...c,
      atoms: c.atoms.map((a, i) => (i === 2 ? { ...a, x: a.x + 0.02 / 4.5937 } : a)),
    };
    // the move along x breaks the diagonal mirrors and the 2-fold axis
    expect(await opsOf(moved, BASE)).toEqual(['1,0,0,1:0,0']);
  });

  it('is only the identity with frozen phonons or a cell that is not whole pixels', async () => {
    expect(await opsOf(rutile(), { ...BASE, phonons: 2 })).toEqual(['1,0,0,1:0,0']);
    // 3 cells on 100 px: 33.3 px per cell, so a cell translation is no grid operation
    const plan = planSimulation(rutile(), { ...BASE, extent: 13.8, sampling: 0.138 });
    expect(plan.reps[0]).toBe(3);
    expect(plan.grid.nx % 3).not.toBe(0);
    expect(latticePixels(plan)).toBeUndefined();
    expect(specimenSymmetry(plan, (await buildSliceStack(plan, 0)).transmissions)).toHaveLength(1);
  });
});

describe('position orbits', () => {
  const square4mm: GridOp[] = SQUARE_OPERATIONS.map((r) => ({ r, t: [0, 0] as const }));

  function gridPositions(n: number, a: number): Float64Array {
    const p = new Float64Array(2 * n * n);
    for (let j = 0; j < n; j++)
      for (let i = 0; i < n; i++) {
        p[2 * (j * n + i)] = (i * a) / n;
        p[2 * (j * n + i) + 1] = (j * a) / n;
      }
    return p;
  }

  it('counts the orbits of an n×n scan under 4mm as Burnside does, with weights |orbit|/|G|', () => {
    for (const n of [1, 2, 5, 6, 10]) {
      const o = positionOrbits(square4mm, gridPositions(n, 4), [0.1, 0.1], [40, 40]);
      expect(o.ops).toHaveLength(8);
      // fixed points mod n: 1 → n²; 2-fold and the two axis mirrors → (#solutions of 2i ≡ 0)…
      const s = n % 2 === 0 ? 2 : 1; // solutions of 2i ≡ 0 (mod n)
      const burnside = (n * n + s * s + 2 * n * s + 2 * n + 2 * s) / 8;
      expect(o.representatives).toHaveLength(burnside);
      expect(o.weights.reduce((p, q) => p + q, 0) * 8).toBeCloseTo(n * n, 12);
    }
  });

  it('drops the operations that do not map the scan onto itself', () => {
    // a 3×2 scan over a square cell: the swaps do not keep it
    const p = Float64Array.from([0, 0, 1, 0, 2, 0, 0, 1.5, 1, 1.5, 2, 1.5]);
    const o = positionOrbits(square4mm, p, [0.1, 0.1], [30, 30]);
    expect(o.ops.every((op) => op.r[1] === 0)).toBe(true);
    expect(o.ops.length).toBeLessThan(8);
  });
});

describe('symmetrisePattern', () => {
  it('sends one bright pixel to its images under every operation', () => {
    const s = new Float64Array(25);
    s[1 * 5 + 4] = 1; // (u, v) = (2, −1) from the centre
    const ops: GridOp[] = [
      { r: [1, 0, 0, 1], t: [0, 0] },
      { r: [0, 1, 1, 0], t: [0, 0] },
    ];
    const out = symmetrisePattern(s, { nx: 5, ny: 5 }, ops);
    expect(out[1 * 5 + 4]).toBe(1);
    expect(out[4 * 5 + 1]).toBe(1); // (u, v) = (−1, 2)
    expect(out.reduce((p, q) => p + q, 0)).toBe(2);
  });
});

describe('PACBED over symmetry-equivalent positions', () => {
  const cases: [string, Partial<MultisliceParams>, number][] = [
    ['zone axis (order 4)', {}, 4],
    ['mistilt along [110] (order 2)', { mistilt: 2, azimuth: 45 }, 2],
    ['mistilt along [100] (order 1)', { mistilt: 2, azimuth: 0 }, 1],
  ];
  for (const [name, extra, order] of cases) {
    it(`equals every position run: ${name}`, async () => {
      const p = { ...BASE, ...extra };
      const sym = await simulatePacbed(rutile(), p, { threads: 1 });
      const plain = await simulatePacbed(rutile(), { ...p, symmetry: false }, { threads: 1 });
      expect(sym.symmetry?.order).toBe(order);
      expect(plain.symmetry).toEqual({ order: 1, computedPositions: 36 });
      expect(sym.positions).toBe(36);
      if (order === 1) {
        expect(sym.patterns).toEqual(plain.patterns);
      } else {
        expect(sym.symmetry!.computedPositions).toBeLessThan(36);
        expect(relativeL1(sym.patterns, plain.patterns)).toBeLessThan(1e-5);
      }
    });
  }
});
