/**
 * The `mixed` dataset preset: one default scene, then two hard ones, and so on, each at its own
 * preset's density, recorded per scan in the manifest; a scan of a mixed dataset is the scan the
 * plain preset draws from the same scan seed.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InlineExecutor } from '../../../jobs/executor.js';
import { JobRegistry } from '../../../jobs/registry.js';
import { PEAKS_JOB_TYPES } from '../jobs.js';
import { checkConfig, runPeaksDataset, scanPreset } from './run.js';
import { planScan } from './scene.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bragg-peaks-mixed-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('peaks dataset presets', () => {
  it('scanPreset: mixed is default, hard, hard, default, …; the others are what they say', () => {
    expect([0, 1, 2, 3, 4].map((k) => scanPreset('mixed', k))).toEqual([
      'default',
      'hard',
      'hard',
      'default',
      'hard',
    ]);
    expect(scanPreset(undefined, 1)).toBe('default');
    expect(scanPreset('hard', 0)).toBe('hard');
    expect(() =>
      checkConfig({ scans: 1, frames: 1, seed: 0, height: 8, width: 8, preset: 'x' as 'hard' }),
    ).toThrow(/one of default, hard, mixed/);
  });

  it('a mixed dataset records each scan’s preset, drawn as that preset draws it', async () => {
    const out = join(dir, 'mixed');
    await runPeaksDataset(
      { scans: 2, frames: 3, seed: 5, height: 32, width: 48, preset: 'mixed' },
      out,
      { executor: new InlineExecutor(new JobRegistry(PEAKS_JOB_TYPES)) },
    );
    const m = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as {
      config: Record<string, unknown>;
      scans: { preset: string; seed: number }[];
    };
    expect(m.scans.map((s) => s.preset)).toEqual(['default', 'hard']);
    expect(m.config.density).toBeUndefined();
    // each scan is its preset's scene at its preset's density
    for (const s of m.scans) {
      const hard = s.preset === 'hard';
      const plan = (preset: 'default' | 'hard', density: number) =>
        planScan({ frames: 3, height: 32, width: 48, seed: s.seed, density, preset });
      const own = plan(hard ? 'hard' : 'default', hard ? 1.5 : 0.5);
      const other = plan(hard ? 'default' : 'hard', hard ? 0.5 : 1.5);
      expect(own.background).not.toEqual(other.background);
      // the hard scene always has a ring, fluorescence and a streak
      if (hard) {
        expect(own.background.ring).toBeDefined();
        expect(own.background.fluorescence).toBeDefined();
        expect(own.background.streaks.length).toBeGreaterThan(0);
      }
    }
  }, 60_000);
});
