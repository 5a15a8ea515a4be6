/**
 * The network input kinds (`networkInput`): `log` is the log scaling alone; `log+snr` adds the
 * significance over the local background, which is ≈ 0 on any smooth background (flat or a
 * steep gradient, whatever its level) and large on a peak — the property the channel is for.
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../../core/rng.js';
import { PEAKS_UNET_ARCHITECTURE } from '../models/unet.js';
import {
  CHANNEL_RANGE,
  inputChannels,
  inputSpan,
  logScale,
  networkInput,
  scaledAsinh,
  SNR_SCALE,
} from './maps.js';

const H = 64;
const W = 96;

/** Poisson counts on a background `bg(y, x)` with one Gaussian peak of `amp` counts at (32, 48). */
function frame(bg: (y: number, x: number) => number, amp: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const f = new Float32Array(H * W);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const mean = bg(y, x) + amp * Math.exp(-((y - 32) ** 2 + (x - 48) ** 2) / (2 * 1.5 ** 2));
      f[y * W + x] = rng.poisson(mean);
    }
  return f;
}

describe('peaks network input', () => {
  it('log: one channel, the log scaling', () => {
    const f = frame(() => 5, 200, 1);
    const { data, background } = networkInput(f, H, W, 'log');
    expect(inputChannels('log')).toBe(1);
    expect(Array.from(data)).toEqual(Array.from(logScale(f)));
    expect(background).toBeUndefined();
  });

  it.each([
    ['flat, 3 counts', () => 3],
    ['flat, 300 counts', () => 300],
    ['a gradient from 10 to 200 counts', (_y: number, x: number) => 10 + 2 * x],
  ])('log+snr on %s: ≈ 0 off the peak, ≥ 10σ on it', (_name, bg) => {
    const amp = 40 * Math.sqrt(bg(32, 48));
    const f = frame(bg, amp, 2);
    const { data, background } = networkInput(f, H, W, 'log+snr');
    expect(inputChannels('log+snr')).toBe(2);
    expect(data.length).toBe(H * W * 2);
    const log = logScale(f);
    let sum = 0;
    let n = 0;
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const i = y * W + x;
        expect(data[2 * i]).toBe(log[i]);
        if (Math.hypot(y - 32, x - 48) > 8) {
          sum += Math.sinh(data[2 * i + 1]! * SNR_SCALE);
          n++;
        }
      }
    // the background pixels' significance averages ≈ 0 (their σ is 1 by construction)
    expect(Math.abs(sum / n)).toBeLessThan(0.2);
    const peak = Math.sinh(data[2 * (32 * W + 48) + 1]! * SNR_SCALE);
    expect(peak).toBeGreaterThan(10);
    expect(background?.mean.length).toBe(H * W);
  });

  it('inputSpan computes any run of pixels exactly as the whole frame (window inputs)', () => {
    const f = frame((y, x) => 5 + 0.3 * x, 400, 11);
    f[7] = NaN;
    f[8] = 2.5; // not a whole count: no table
    f[9] = 3e6; // beyond the log table
    f[10] = -4;
    for (const kind of ['log', 'log+snr'] as const) {
      const c = inputChannels(kind);
      const whole = networkInput(f, H, W, kind);
      const bg = whole.background ?? { mean: new Float32Array(H * W), std: new Float32Array(H * W) }; // prettier-ignore
      for (const [i0, len] of [
        [0, 20],
        [W * 31 + 40, 17],
        [H * W - 1, 1],
      ] as const) {
        const out = new Float32Array(len * c + 3).fill(9);
        inputSpan(f, bg, kind, i0, len, out, 3);
        expect(Array.from(out.subarray(3))).toEqual(
          Array.from(whole.data.subarray(i0 * c, (i0 + len) * c)),
        );
        expect(Array.from(out.subarray(0, 3))).toEqual([9, 9, 9]);
      }
    }
  });

  it('a U-Net without an input option (bundles before log+snr) is the 1-channel log net', () => {
    const old = PEAKS_UNET_ARCHITECTURE.resolve({ height: 32, width: 32 });
    expect(old.input).toBe('log');
    expect(PEAKS_UNET_ARCHITECTURE.inputShape(old)).toEqual([32, 32, 1]);
    const snr = PEAKS_UNET_ARCHITECTURE.resolve({ height: 32, width: 32, input: 'log+snr' });
    expect(PEAKS_UNET_ARCHITECTURE.inputShape(snr)).toEqual([32, 32, 2]);
    expect(() => PEAKS_UNET_ARCHITECTURE.resolve({ input: 'snr' as unknown as 'log' })).toThrow(
      /input must be one of log, log\+snr/,
    );
  });

  it('the tabulated asinh of the significance channel is far inside the 16-bit storage step', () => {
    const [lo, hi] = CHANNEL_RANGE[1]!;
    const step = (hi - lo) / 65535;
    const rng = createRng(7);
    let worst = 0;
    for (let i = 0; i < 200_000; i++) {
      // dense near 0, then out to the table's end and past it (exact there)
      const s = (rng.next() - 0.5) * (i % 2 === 0 ? 8 : i % 3 === 0 ? 1e4 : 140);
      worst = Math.max(worst, Math.abs(scaledAsinh(s) - Math.asinh(s) / SNR_SCALE));
    }
    for (const s of [0, 1 / 256, -64, 64, 63.999, -1e9]) {
      worst = Math.max(worst, Math.abs(scaledAsinh(s) - Math.asinh(s) / SNR_SCALE));
    }
    expect(worst).toBeLessThan(step / 100);
    expect(scaledAsinh(-3)).toBe(-scaledAsinh(3));
    expect(Number.isNaN(scaledAsinh(Number.NaN))).toBe(true);
  });
});
