import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildSliceStack, planSimulation, type MultisliceParams } from './plan.js';
import { MultisliceEngine } from './engine.js';
import { multisliceKernelFile } from './fft.js';
import { probeCoefficients } from './probe.js';
import { rutile } from '../../../test/support/simulate/multislice/crystals.js';

const SMALL: MultisliceParams = {
  zone: [0, 0, 1],
  kv: 80,
  convergenceAngle: 20,
  thicknesses: [9, 18],
  sampling: 0.1,
  extent: 9.2,
  sliceThickness: 1.48,
  scan: 1,
  maxAngle: 40,
  mistilt: 3,
};

const built = existsSync(multisliceKernelFile());

describe('engine passes', () => {
  it.skipIf(!built)(
    'give the same bytes in WASM and in JS (skips where dist/wasm/multislice.wasm is not built)',
    async () => {
      const plan = planSimulation(rutile(), SMALL);
      const stack = await buildSliceStack(plan, 0);
      const coeffs = probeCoefficients(plan.grid, plan.probe);
      const t = (i: number): Float32Array => stack.transmissions[stack.sliceMap[i]!]!;
      const out: { acc: Float64Array[]; wave: Float32Array }[] = [];
      for (const wasmPasses of [true, false]) {
        const e = await MultisliceEngine.create(plan.grid, plan.engine, { wasmPasses });
        expect(e.wasmPasses).toBe(wasmPasses);
        const size = e.detector.nx * e.detector.ny;
        const acc = plan.outputs.map(() => new Float64Array(size));
        e.loadFourier(coeffs, 1.1, 2.3);
        e.runRange(0, 5, t, plan.outputs, acc);
        e.runRange(5, plan.nSlices, t, plan.outputs, acc);
        e.loadFourier(coeffs, 0.4, 0.2);
        e.advance(0, 4, t);
        out.push({ acc, wave: e.wave() });
        e.dispose();
      }
      const [w, j] = out as [(typeof out)[0], (typeof out)[0]];
      expect(w.acc[1]!.reduce((a, b) => a + b, 0)).toBeGreaterThan(0.5);
      w.acc.forEach((a, o) =>
        expect(Buffer.from(a.buffer).equals(Buffer.from(j.acc[o]!.buffer))).toBe(true),
      );
      expect(Buffer.from(w.wave.buffer).equals(Buffer.from(j.wave.buffer))).toBe(true);
    },
  );
});
