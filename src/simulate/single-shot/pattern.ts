/**
 * The far-field (small-angle, kinematic) diffraction pattern of a projected density:
 * `I(q) = |F[ρ](q)|²`, computed with the project's pffft 2D FFT and shifted so that q = 0 is
 * at pixel (n/2, n/2). Detector pixel k (from the centre) is spatial frequency
 * `q = k / (n·Δx)` (1/d, no 2π) for a real-space sampling Δx.
 */
import { ValidationError } from '../../core/errors.js';
import { FORWARD, Fft2 } from '../multislice/fft.js';
import { isFastFftSize } from '../multislice/grid.js';

/** A reusable n × n transform (one per worker; dispose when done). */
export class PatternEngine {
  private constructor(
    readonly n: number,
    private readonly fft: Fft2,
    private readonly buf: Float32Array,
  ) {}

  static async create(n: number): Promise<PatternEngine> {
    if (!isFastFftSize(n)) {
      throw new ValidationError(
        `image size must be 16·2^a·3^b·5^c (e.g. 64, 128, 256), got ${n}`,
        'size',
      );
    }
    return new PatternEngine(n, await Fft2.create(n, n), new Float32Array(2 * n * n));
  }

  /** |FT of `density`|², centred (n × n, row-major [qy, qx]). */
  intensity(density: Float64Array): Float64Array {
    const { n, buf } = this;
    if (density.length !== n * n) {
      throw new ValidationError(
        `density has ${density.length} pixels, expected ${n * n}`,
        'density',
      );
    }
    buf.fill(0);
    for (let i = 0; i < n * n; i++) buf[2 * i] = density[i]!;
    this.fft.transform(buf, FORWARD);
    const out = new Float64Array(n * n);
    const h = n / 2;
    for (let y = 0; y < n; y++) {
      const sy = (y + h) % n;
      for (let x = 0; x < n; x++) {
        const sx = (x + h) % n;
        const k = 2 * (y * n + x);
        const re = buf[k]!;
        const im = buf[k + 1]!;
        out[sy * n + sx] = re * re + im * im;
      }
    }
    return out;
  }

  dispose(): void {
    this.fft.dispose();
  }
}
