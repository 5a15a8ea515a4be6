/**
 * Time per PACBED prediction (issue 13 item 8; the seed takes ~6 s per pattern with TF-Lite,
 * the goal is < 0.2 s): `predictWithModels` — the seed's HEAD preprocessing, the damped scale
 * loop (up to 6 passes of the scale CNN), the thickness and mistilt CNNs — on a measured-size
 * pattern, with the default networks (`pacbed-compact` at 64 px, the seed's class counts:
 * thickness 20–400 Å in 20 Å steps, mistilt 0–10 mrad in 1 mrad steps, the seed's scale list).
 * The weights are untrained (seeded); the time of a pass does not depend on them, but the number
 * of scale passes does: the bench reports it and the time per pass, and the worst case (6 passes).
 *
 *   npx vite-node bench/pacbed/predict-cli.ts [--side 512] [--size 64] [--repeats 20] [--backend B]
 *     [--models ROOT --material M --kv KV --zone u,v,w]   (time registered models instead)
 */
import { createRng } from '../../src/core/rng.js';
import { ValidationError } from '../../src/core/errors.js';
import { initBackend, type BackendOptions } from '../../src/ml/backend/select.js';
import type { ModelBundle } from '../../src/ml/store/bundle.js';
import type { BundleMeta } from '../../src/ml/store/schema.js';
import { SCALE_LABELS, type PacbedTarget } from '../../src/workflows/pacbed/labels.js';
import { PACBED_COMPACT_ARCHITECTURE } from '../../src/workflows/pacbed/models/compact.js';
import {
  disposeModels,
  loadPacbedModels,
  predictWithModels,
  type LoadedModel,
} from '../../src/workflows/pacbed/predict.js';

export interface PacbedPredictBenchOptions extends BackendOptions {
  /** Side of the measured pattern [px] (default 512; > 680 takes the seed's downscale path). */
  side?: number;
  /** Network size [px] (default 64). */
  size?: number;
  repeats?: number;
  models?: { root: string; material: string; kv: number; zone: [number, number, number] };
}

export interface PacbedPredictBenchResult {
  backend: string;
  threads: number;
  side: number;
  size: number;
  repeats: number;
  /** Median and best of the repeats [ms], whole prediction and its parts. */
  medianMs: number;
  bestMs: number;
  parts: { preprocessMs: number; scaleMs: number; thicknessMs: number; mistiltMs: number };
  scalePasses: number;
  /** Median time of one CNN pass [ms] (thickness) and the worst case: preprocess + 8 passes. */
  passMs: number;
  worstCaseMs: number;
}

function untrained(target: PacbedTarget, values: number[], size: number, seed: number): LoadedModel {
  const opts = PACBED_COMPACT_ARCHITECTURE.resolve({ size, classes: values.length });
  const model = PACBED_COMPACT_ARCHITECTURE.build(opts, seed);
  const meta = { id: `bench-${target}`, labels: values.map(String) } as unknown as BundleMeta;
  const bundle: ModelBundle = { dir: '(bench)', model, meta };
  return { bundle, info: { target, values, size, convRange: [15, 25], packed: true } };
}

/** A synthetic measured-looking pattern: a bright disc with rings, off-centre, Poisson-ish noise. */
function pattern(side: number): { data: Float64Array; ny: number; nx: number } {
  const rng = createRng(5);
  const data = new Float64Array(side * side);
  const cy = side * 0.47;
  const cx = side * 0.55;
  const R = side * 0.3;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const r = Math.hypot(y - cy, x - cx);
      const v = r < R ? 100 * (1 + 0.3 * Math.cos(r / 6)) : 2;
      data[y * side + x] = v + rng.normal(0, Math.sqrt(v));
    }
  }
  return { data, ny: side, nx: side };
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;

export async function runPacbedPredictBench(
  o: PacbedPredictBenchOptions = {},
): Promise<PacbedPredictBenchResult> {
  const side = o.side ?? 512;
  const size = o.size ?? 64;
  const repeats = o.repeats ?? 20;
  if (!(Number.isInteger(side) && side >= 16 && side <= 4096)) {
    throw new ValidationError(`must be an integer in 16…4096, got ${side}`, '--side');
  }
  if (!(Number.isInteger(repeats) && repeats >= 1)) {
    throw new ValidationError(`must be an integer ≥ 1, got ${repeats}`, '--repeats');
  }
  const info = await initBackend(o);
  const range = (a: number, b: number, s: number) =>
    Array.from({ length: Math.round((b - a) / s) + 1 }, (_, i) => a + i * s);
  const models: Partial<Record<PacbedTarget, LoadedModel>> = o.models
    ? await loadPacbedModels(o.models.root, o.models.material, o.models.kv, o.models.zone)
    : {
        thickness: untrained('thickness', range(20, 400, 20), size, 1),
        mistilt: untrained('mistilt', range(0, 10, 1), size, 2),
        scale: untrained('scale', [...SCALE_LABELS], size, 3),
      };
  const conv = o.models ? models.thickness!.info.convRange[0] : 20;
  const img = pattern(side);
  try {
    predictWithModels(models, img, conv); // warm-up (kernels, first allocation)
    const runs: ReturnType<typeof predictWithModels>[] = [];
    for (let r = 0; r < repeats; r++) runs.push(predictWithModels(models, img, conv));
    const tot = runs.map((r) => r.timings.totalMs);
    const part = (k: 'preprocessMs' | 'scaleMs' | 'thicknessMs' | 'mistiltMs') =>
      median(runs.map((r) => r.timings[k]));
    const passMs = part('thicknessMs');
    return {
      backend: info.backend,
      threads: info.threads,
      side,
      size: models.thickness!.info.size,
      repeats,
      medianMs: median(tot),
      bestMs: Math.min(...tot),
      parts: {
        preprocessMs: part('preprocessMs'),
        scaleMs: part('scaleMs'),
        thicknessMs: passMs,
        mistiltMs: part('mistiltMs'),
      },
      scalePasses: runs[0]!.scaleSteps.length,
      passMs,
      worstCaseMs: part('preprocessMs') + 8 * passMs,
    };
  } finally {
    disposeModels(models);
  }
}
