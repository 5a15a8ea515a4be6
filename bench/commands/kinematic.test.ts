import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { BENCH_COMMANDS } from '../cli.js';

describe('bragg bench kinematic', () => {
  afterEach(() => vi.restoreAllMocks());
  it('--json reports rates for Si and the 40-atom SrTiO3 supercell (no timing asserted)', async () => {
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    expect(
      await main(['node', 'bragg', 'bench', 'kinematic', '--json', '--min-ms', '1'], {
        commands: BENCH_COMMANDS,
      }),
    ).toBe(0);
    const r = JSON.parse(out.join('')) as {
      cases: { crystal: string; atoms: number; reflections: number; patternsPerSecond: number }[];
    };
    expect(r.cases.map((c) => c.crystal)).toEqual(['Si', 'SrTiO3 2x2x2']);
    expect(r.cases.map((c) => c.atoms)).toEqual([8, 40]);
    for (const c of r.cases) {
      expect(c.reflections).toBeGreaterThan(1000);
      expect(c.patternsPerSecond).toBeGreaterThan(0);
    }
  });
});
