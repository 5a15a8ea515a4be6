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

describe('bragg bench conv', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('times phase1d layers forward and input gradient, bragg vs XNNPACK (JSON)', async () => {
    const out = capture();
    const code = await main(
      ['node', 'bragg', 'bench', 'conv', '--net', 'phase1d', '--reps', '1', '--json'],
      { commands: BENCH_COMMANDS },
    );
    expect(code).toBe(0);
    const rows = JSON.parse(out()) as {
      layer: string;
      pass: string;
      macs: number;
      braggMs: number;
      xnnpackGmacs: number;
    }[];
    expect(rows.map((r) => `${r.layer}/${r.pass}`)).toEqual([
      'conv1/forward',
      'conv1/inputGrad',
      'conv2/forward',
      'conv2/inputGrad',
      'conv3/forward',
      'conv3/inputGrad',
    ]);
    // conv2: 64 × 66 output pixels × 64 filters × 6 taps × 64 channels.
    expect(rows[2]!.macs).toBe(64 * 66 * 64 * 6 * 64);
    for (const r of rows) {
      expect(r.braggMs).toBeGreaterThanOrEqual(0);
      expect(r.xnnpackGmacs).toBeGreaterThan(0);
    }
  });

  it('rejects an unknown net with a typed error', async () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const code = await main(['node', 'bragg', 'bench', 'conv', '--net', 'nope'], {
      commands: BENCH_COMMANDS,
    });
    expect(code).not.toBe(0);
    expect(err.mock.calls.map((c) => String(c[0])).join('')).toContain('nope');
  });
});
