import { describe, expect, it, vi } from 'vitest';
import { readdirSync } from 'node:fs';
import { samplesDir } from '../../core/paths.js';
import { printSamples } from './demo.js';

describe('bragg demo: bundled samples', () => {
  it('reads every bundled sample with the right reader and shows its calibration and metadata', async () => {
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
      out.push(String(s));
      return true;
    });
    try {
      await printSamples();
    } finally {
      spy.mockRestore();
    }
    const text = out.join('');
    const files = readdirSync(samplesDir()).filter((f) => !f.startsWith('.'));
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const f of files) expect(text).toContain(f);
    expect(text).toMatch(
      /au-001\.dm4 \[dm\] image 1: float32 \[128×128\]; axes y\[128\] -12\.8 \+ 0\.2·i 1\/nm/,
    );
    expect(text).toMatch(/beamEnergyKeV=200, cameraLengthMm=300, exposureS=0\.5/);
    expect(text).toMatch(/au-zones\.nxs \[hdf5\] \/entry\/data\/data: float32 \[3×128×128\]/);
    expect(text).toMatch(/au-001\.tif \[tiff\] page 0: uint16 \[128×128\]/);
    expect(text).toMatch(/au\.cif \[cif\]/);
  });
});
