/**
 * `bragg pacbed predict --validation` on trained models whose training table is gone (a bundle
 * copied to another machine): without a recipe it fails naming both missing things; with
 * `--recipe` (the dataset's `<table>.recipe.json`, or its YAML config) or the bundle's own
 * recipe (`training.simulation`) it simulates the predicted case on the fly and says so;
 * `--recipe` without `--validation` is refused naming the flag.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { loadPacbedDataset } from '../../src/workflows/pacbed/dataset/config.js';
import { runPacbedDataset } from '../../src/workflows/pacbed/dataset/run.js';
import { readRecipe } from '../../src/workflows/pacbed/recipe.js';
import { readTrainingTable } from '../../src/workflows/pacbed/table.js';
import { inlineExecutor } from '../support/jobs/executors.js';
import { tinyPacbedModels } from '../support/workflows/pacbed/tiny-models.js';
import { addRecipeToBundle, TINY_RECIPE_YAML as YAML } from '../support/workflows/pacbed/tiny-recipe.js'; // prettier-ignore

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((x) => ((out += String(x)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((x) => ((err += String(x)), true));
  try {
    return { code: await main(['node', 'bragg', ...args]), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('bragg pacbed predict --validation without the training table', () => {
  let dir: string;
  let root: string;
  let cfg: string;
  let pattern: string;
  let recipeFile: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bragg-recipe-cli-'));
    cfg = join(dir, 'tiny.yaml');
    await writeFile(cfg, YAML);
    const ds = await loadPacbedDataset(cfg);
    const run = await runPacbedDataset({ dataset: ds, threads: 1, executor: inlineExecutor() });
    recipeFile = run.recipePath;
    pattern = (await readTrainingTable(run.tablePath)).paths[3]!;
    root = join(dir, 'models');
    // models trained on a synthetic table (Rutile, 80 kV, [0 0 1]) that is then gone
    await tinyPacbedModels(join(dir, 'synthetic'), root);
    await rm(join(dir, 'synthetic'), { recursive: true });
  }, 180_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const predict = (png: string, ...more: string[]) =>
    cli([
      'pacbed',
      'predict',
      pattern,
      '--models',
      root,
      '--material',
      'Rutile',
      '--kv',
      '80',
      '--zone',
      '0,0,1',
      '--conv-angle',
      '20',
      '--backend',
      'wasm',
      '--threads',
      '2',
      '--validation',
      join(dir, png),
      ...more,
    ]);

  it('fails naming both missing things, simulates with --recipe (JSON or YAML), refuses --recipe alone', async () => {
    const none = await predict('none.png');
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/training table .* is not here, and the model records no simulation recipe/); // prettier-ignore
    for (const [png, file] of [
      ['json.png', recipeFile],
      ['yaml.png', cfg],
    ] as const) {
      const r = await predict(png, '--recipe', file, '--json');
      expect(r.code, r.err).toBe(0);
      const out = JSON.parse(r.out) as {
        thickness: { value: number };
        validation: { simulated: { source: string; thickness: number; convAngle: number } };
      };
      expect(out.validation.simulated.source).toBe('simulated');
      expect(out.validation.simulated.convAngle).toBe(20);
      expect((await readFile(join(dir, png))).subarray(1, 4).toString()).toBe('PNG');
    }
    const text = await predict('text.png', '--recipe', cfg);
    expect(text.code, text.err).toBe(0);
    expect(text.out).toContain('(simulated on the fly)');
    const alone = await cli(['pacbed', 'predict', pattern, '--models', root, '--material', 'Rutile', '--kv', '80', '--zone', '0,0,1', '--conv-angle', '20', '--recipe', cfg]); // prettier-ignore
    expect(alone.code).toBe(1);
    expect(alone.err).toContain('--recipe');
  }, 120_000);

  it("simulates with the bundle's own recipe (training.simulation)", async () => {
    await addRecipeToBundle(root, await readRecipe(recipeFile));
    const r = await predict('own.png', '--json');
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out) as { validation: { simulated: { source: string } } };
    expect(out.validation.simulated.source).toBe('simulated');
  }, 120_000);
});
