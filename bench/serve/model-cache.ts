/**
 * The model cache of the predict routes (issue 12): `POST /api/phase/predict` on a 4 × 5 map,
 * through the route app of the tests (inject, no network), with a model trained for one or two
 * epochs on the tiny phase dataset — the tiny architecture of the route tests and phase1d's
 * default widths (64 filters, dense 128; depth 2, as 3 blocks do not fit its 37 points). For each: the median latency of the second and later requests
 * with the cache (the model loaded by the first request) and with the cache cleared before each
 * request (a load per request, as the routes did before the cache), and `loadBundle` alone.
 *
 * Run: `nice -n 10 npx vite-node bench/serve/model-cache.ts [requests]` (default 15).
 */
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { loadBundle } from '../../src/ml/store/bundle.js';
import { modelCacheOf } from '../../src/ml/store/model-cache.js';
import { initBackend } from '../../src/ml/backend/select.js';
import { trainPhaseModel } from '../../src/workflows/phase/train.js';
import { phaseRoutes } from '../../src/workflows/phase/routes.js';
import { routeApp } from '../../test/support/server/route-app.js';
import {
  TINY_ARCHITECTURE,
  tinyPhaseDataset,
  tinyPhaseMap,
} from '../../test/support/server/tiny-phase.js';

const n = Number(process.argv[2] ?? 15);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const r = await routeApp([{ prefix: '/api/phase', register: phaseRoutes.register }]);
try {
  await initBackend({ backend: 'wasm', threads: 2 });
  const data = await tinyPhaseDataset(join(r.ctx.dir, 'dataset'));
  const mapId = await r.ctx.addUpload('scan.npz', await tinyPhaseMap(join(r.ctx.dir, 'maps')));
  const cache = modelCacheOf(r.ctx);
  for (const [label, architecture] of [
    ['tiny (route tests)', TINY_ARCHITECTURE],
    ['phase1d default widths, depth 2', { depth: 2 }],
  ] as const) {
    const t = await trainPhaseModel({
      data,
      outDir: r.ctx.modelsRoot,
      epochs: 1,
      batchSize: 16,
      ...(architecture !== undefined ? { architecture } : {}),
    });
    const ask = async () => {
      const t0 = performance.now();
      const res = await r.app.inject({
        method: 'POST',
        url: '/api/phase/predict',
        payload: { model: t.meta.id, input: { root: 'uploads', path: mapId } },
      });
      if (res.statusCode !== 200) throw new Error(res.body);
      return performance.now() - t0;
    };
    await ask(); // warm-up (and the first load)
    const cached: number[] = [];
    for (let i = 0; i < n; i++) cached.push(await ask());
    const uncached: number[] = [];
    for (let i = 0; i < n; i++) {
      cache.clear();
      uncached.push(await ask());
    }
    const loads: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      (await loadBundle(t.modelDir)).model.dispose();
      loads.push(performance.now() - t0);
    }
    console.log(
      `${label}: ${n} requests, median ${median(uncached).toFixed(1)} ms without the cache, ` +
        `${median(cached).toFixed(1)} ms with it; loadBundle alone ${median(loads).toFixed(1)} ms ` +
        `(load average ${loadavg()[0]!.toFixed(2)})`,
    );
  }
} finally {
  await r.close();
}
