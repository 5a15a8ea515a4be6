/** Test helper: a small sweep (Au + CsPbBr3 + background) written to a temporary directory. */
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { packageRoot } from '../../../src/core/paths.js';

export async function writeSmallSweep(
  dir: string,
  o: { count?: number; chunk?: number; size?: number; badCif?: boolean } = {},
): Promise<string> {
  const structures = join(packageRoot(), 'data', 'structures');
  await copyFile(join(structures, 'au.cif'), join(dir, 'au.cif'));
  await copyFile(join(structures, 'cspbbr3-cubic.cif'), join(dir, 'cspbbr3.cif'));
  // A CIF whose cell is missing: its shards must fail with a typed error.
  await writeFile(join(dir, 'bad.cif'), 'data_bad\n_cell_length_a 4.0\n');
  const path = join(dir, o.badCif ? 'sweep-bad.yaml' : 'sweep.yaml');
  await writeFile(
    path,
    `name: small
seeds: [3, 4]
phases:
  - { name: au, cif: au.cif }
  - { name: cspbbr3, cif: cspbbr3.cif, latticeScale: [0.9, 1.1] }
${o.badCif ? '  - { name: gold, cif: bad.cif }\n' : ''}backgroundClass: true
orientations: { count: ${o.count ?? 12} }
detector: { size: ${o.size ?? 128} }
chunkSize: ${o.chunk ?? 5}
output: { format: npz }
`,
  );
  return path;
}
