import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { BENCH_COMMANDS } from '../cli.js';

describe('bragg bench formats-dm', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('writes, reads back and times a small DM4, printing JSON', async () => {
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    const code = await main(
      ['node', 'bragg', 'bench', 'formats-dm', '--size-mb', '2', '--repeats', '1', '--json'],
      { commands: BENCH_COMMANDS },
    );
    expect(code).toBe(0);
    const r = JSON.parse(out) as {
      fileBytes: number;
      shape: number[];
      fullReadMiBps: { best: number };
    };
    // 2 MiB of 128 × 128 float32 frames = 32 frames on a scan row of 32.
    expect(r.shape).toEqual([1, 32, 128, 128]);
    expect(r.fileBytes).toBeGreaterThan(2 * 2 ** 20);
    expect(r.fullReadMiBps.best).toBeGreaterThan(0);
  });

  it('refuses a size outside 1..8192 MiB with a usage error', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(
      await main(['node', 'bragg', 'bench', 'formats-dm', '--size-mb', '0.5', '--json'], {
        commands: BENCH_COMMANDS,
      }),
    ).toBe(1);
  });
});
