import { describe, expect, it } from 'vitest';
import { MultisliceEngine } from './engine.js';
import { buildSliceStack, planSimulation } from './plan.js';
import { rutile } from '../../../test/support/simulate/multislice/crystals.js';
import { scatteringFunction } from '../../crystal/scattering/index.js';

describe('thin-specimen limit', () => {
  it('a weak single slice reproduces kinematic structure-factor ratios |F(g)|²', async () => {
    // One slice holding rutile's z = 0 layer (Ti at 0,0; O at ±(x,x)) with occupancy 0.002 is
    // a weak phase object: t ≈ 1 + iσv, so I(g ≠ 0) = σ²|v̂(g)|² ∝ |Σ f_e(g) e^{−2πi g·r}|².
    // The kinematic side uses src/crystal/scattering's f_e(s), s = |g|/2, independently of
    // the multislice potential code.
    const weak = rutile();
    weak.atoms = weak.atoms.map((a) => ({ ...a, occupancy: 0.002 }));
    const plan = planSimulation(weak, {
      zone: [0, 0, 1],
      kv: 80,
      convergenceAngle: 1,
      thicknesses: [1.4],
      sampling: 0.05,
      extent: 4.6,
      sliceThickness: 1.48,
      maxAngle: 200,
    });
    expect(plan.outputs).toEqual([1]);
    const stack = await buildSliceStack(plan, 0);
    const engine = await MultisliceEngine.create(plan.grid, plan.engine);
    const { nx, ny } = plan.grid;
    const plane = new Float32Array(2 * nx * ny);
    plane[0] = 1 / Math.sqrt(nx * ny); // plane wave, Σ|ψ|² = 1
    engine.loadFourier(plane);
    const d = engine.detector;
    const acc = [new Float64Array(d.nx * d.ny)];
    engine.run(1, () => stack.transmissions[0]!, [1], acc);
    engine.dispose();
    const a = 4.5937;
    const x = 0.30478;
    const layer = [
      { el: 'Ti', x: 0, y: 0 },
      { el: 'O', x, y: x },
      { el: 'O', x: -x, y: -x },
    ];
    const kin = (h: number, k: number): number => {
      const s = Math.hypot(h, k) / a / 2;
      let re = 0;
      let im = 0;
      for (const at of layer) {
        const f = scatteringFunction('lobato', at.el)(s * s);
        const ph = -2 * Math.PI * (h * at.x + k * at.y);
        re += f * Math.cos(ph);
        im += f * Math.sin(ph);
      }
      return re * re + im * im;
    };
    const cy = (d.ny - 1) / 2;
    const cx = (d.nx - 1) / 2;
    const sim = (h: number, k: number): number => acc[0]![(cy + k) * d.nx + (cx + h)]!;
    const ref = [1, 1] as const;
    for (const [h, k] of [
      [1, 0],
      [2, 0],
      [2, 1],
      [2, 2],
      [3, 1],
      [1, -1],
    ] as const) {
      const ratioSim = sim(h, k) / sim(...ref);
      const ratioKin = kin(h, k) / kin(...ref);
      expect(Math.abs(ratioSim / ratioKin - 1)).toBeLessThan(0.01);
    }
  });
});
