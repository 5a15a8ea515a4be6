/**
 * A tiny PACBED dataset for the recipe tests (`recipe.ts`): rutile [001] at 80 kV, two cells a
 * side at 0.2 Å, 2×2 probe positions, 16 px 16-bit TIFFs — three shards of two thicknesses,
 * simulated in about a second — and a way to give a trained bundle a recipe
 * (`bragg.json` → `training.simulation`), as `pacbed train` records it.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../../../../src/core/paths.js';
import type { Recipe } from '../../../../src/workflows/pacbed/recipe.js';

export const TINY_RECIPE_SIDE = 16;

/** The dataset config (output `out/` beside the config file). */
export const TINY_RECIPE_YAML = `name: tiny-recipe
material: Rutile
cif: ${join(packageRoot(), 'data', 'structures', 'rutile.cif')}
zone: [0, 0, 1]
kv: 80
thicknesses: [6, 12]
mistilts: [0, 3]
azimuths: [0, 45]
convergenceAngles: [20]
seed: 5
simulation:
  sampling: 0.2
  extent: 9.2
  scan: 2
output:
  dir: out
  format: tiff
  size: ${TINY_RECIPE_SIDE}
  resize: bilinear
`;

/** Writes `recipe` into the Rutile thickness bundle's `bragg.json` under `root`. */
export async function addRecipeToBundle(root: string, recipe: Recipe): Promise<void> {
  const key = join(
    root,
    (await readdir(root)).find((d) => d.startsWith('Rutile'))!,
  );
  const th = join(
    key,
    (await readdir(key)).find((d) => d.startsWith('thickness-'))!,
  );
  const file = join(th, 'bragg.json');
  const meta = JSON.parse(await readFile(file, 'utf8')) as { training: Record<string, unknown> };
  meta.training.simulation = recipe;
  await writeFile(file, JSON.stringify(meta));
}
