import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { BENCH_COMMANDS } from '../cli.js';

function capture(): () => string {
  let out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  return () => out;
}

describe('bragg bench train', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('times phase1d steps, profiles kernels by phase and compares with the stock MaxPoolGrad (JSON)', async () => {
    const out = capture();
    const code = await main(
      [
        'node',
        'bragg',
        'bench',
        'train',
        '--net',
        'phase1d',
        '--steps',
        '2',
        '--warmup',
        '1',
        '--batch',
        '8',
        '--threads',
        '1',
        '--backend',
        'wasm',
        '--profile',
        '1',
        '--compare',
        'MaxPoolGrad,BraggAdamUpdate',
        '--json',
      ],
      { commands: BENCH_COMMANDS },
    );
    expect(code).toBe(0);
    const r = JSON.parse(out()) as {
      ms_per_step: number;
      cpu_ms_per_step: number;
      samples_per_s: number;
      batch_size: number;
      ab: { name: string; ms: number; times: number[] }[];
      profile: { kernels: { phase: string; kernel: string; calls: number }[] };
    };
    expect(r.batch_size).toBe(8);
    expect(r.ms_per_step).toBeGreaterThan(0);
    expect(r.samples_per_s).toBeCloseTo((1000 * 8) / r.ms_per_step, 6);
    expect(r.ab.map((a) => a.name)).toEqual(['bragg', 'without MaxPoolGrad+BraggAdamUpdate']);
    expect(r.ab.every((a) => a.times.length === 2)).toBe(true);
    const k = (phase: string, kernel: string): number =>
      r.profile.kernels.find((e) => e.phase === phase && e.kernel === kernel)?.calls ?? 0;
    // phase1d: three Conv1D layers forward; the first layer's input gradient is not needed.
    expect(k('forward', 'Conv2D')).toBe(3);
    expect(k('backward', 'Conv2DBackpropFilter')).toBe(3);
    expect(k('backward', 'Conv2DBackpropInput')).toBe(2);
    expect(k('backward', 'MaxPoolGrad')).toBe(3);
    // One fused Adam update per trainable tensor (3 conv + 2 dense layers, kernel and bias).
    expect(k('optimizer', 'BraggAdamUpdate')).toBe(10);
  });

  it('refuses an unknown kernel to compare with', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    capture();
    const code = await main(
      [
        'node',
        'bragg',
        'bench',
        'train',
        '--net',
        'phase1d',
        '--steps',
        '1',
        '--warmup',
        '1',
        '--batch',
        '4',
        '--compare',
        'NoSuchKernel',
      ],
      { commands: BENCH_COMMANDS },
    );
    expect(code).not.toBe(0);
  });
});
