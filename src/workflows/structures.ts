/**
 * The structures bundled with bragg (`data/structures/*.cif`, each naming its source in its
 * header), by name: the file's base name (`au`, `cspbbr3-cubic`). The Web API lists them
 * (`GET /api/structures`) and takes them by name wherever a CIF is asked for.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NotFoundError } from '../core/errors.js';
import { packageRoot } from '../core/paths.js';
import { cellFormula, crystalFromCif } from '../crystal/structure.js';

export interface BundledStructure {
  /** The CIF's base name, e.g. `au`. */
  name: string;
  /** Unit-cell formula weighted by occupancy, e.g. `O4 Ti2`. */
  formula: string;
  /** Hermann–Mauguin symbol of the setting, e.g. `F m -3 m`. */
  spaceGroup: string;
  /** Absolute path of the CIF. */
  path: string;
}

const NAME = /^[a-z0-9][a-z0-9._-]*$/i;

/** The folder of the bundled CIFs. */
export function structuresDir(): string {
  return join(packageRoot(), 'data', 'structures');
}

/** The bundled structures, sorted by name, each parsed once to give its formula and space group. */
export async function bundledStructures(): Promise<BundledStructure[]> {
  const dir = structuresDir();
  if (!existsSync(dir)) return [];
  const names = (await readdir(dir)).filter((f) => f.endsWith('.cif')).sort();
  const out: BundledStructure[] = [];
  for (const f of names) {
    const path = join(dir, f);
    const c = crystalFromCif(await readFile(path, 'utf8'), { file: path });
    out.push({
      name: f.slice(0, -'.cif'.length),
      formula: cellFormula(c),
      spaceGroup: c.spaceGroup.symbol,
      path,
    });
  }
  return out;
}

/**
 * The path of the bundled structure `name` (with or without `.cif`); a `NotFoundError` naming
 * the structures there for an unknown name.
 */
export async function bundledStructurePath(name: string): Promise<string> {
  const base = name.endsWith('.cif') ? name.slice(0, -'.cif'.length) : name;
  const path = join(structuresDir(), `${base}.cif`);
  if (NAME.test(base) && existsSync(path)) return path;
  const known = existsSync(structuresDir())
    ? (await readdir(structuresDir())).filter((f) => f.endsWith('.cif')).map((f) => f.slice(0, -4))
    : [];
  throw new NotFoundError(
    `no bundled structure '${name}'; bundled: ${known.sort().join(', ') || 'none'}`,
    { what: 'structure', resource: name },
  );
}
