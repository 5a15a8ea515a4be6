/**
 * Model folders under a models root (`bragg serve --models`): found by their `bragg.json`, in
 * the root's children and their children, and looked up by model id — for the Web API's model
 * routes and the workflows' routes that predict with a model.
 */
import { existsSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import { readBundleMeta } from './bundle.js';
import { BUNDLE_META, type BundleMeta } from './schema.js';

/** Model ids are uuids (`bragg.json` `id`). */
export const MODEL_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Folders below the models root searched for `bragg.json` (the root's children and theirs). */
const SEARCH_DEPTH = 2;
/** Entries looked at per folder while searching (a models root is not a data lake). */
const MAX_ENTRIES = 10_000;

export interface ModelFolder {
  dir: string;
  meta: BundleMeta;
}

/** Every model folder under `root` (depth ≤ 2) with its description; unreadable ones left out. */
export async function findModels(root: string): Promise<ModelFolder[]> {
  const out: ModelFolder[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (existsSync(join(dir, BUNDLE_META))) {
      try {
        out.push({ dir, meta: await readBundleMeta(dir) });
      } catch {
        // not a readable model: not listed (looking it up by id names what is wrong)
      }
      return;
    }
    if (depth >= SEARCH_DEPTH) return;
    let names: string[];
    try {
      names = (await readdir(dir)).slice(0, MAX_ENTRIES);
    } catch {
      return;
    }
    for (const n of names.sort()) {
      if (n.startsWith('.')) continue;
      const sub = join(dir, n);
      const st = await lstat(sub).catch(() => undefined);
      if (st?.isDirectory()) await walk(sub, depth + 1);
    }
  };
  await walk(root, 0);
  return out;
}

/**
 * The folder of model `id` under `root`: `<root>/<id>` when it holds that model, else found by
 * a search. A `ValidationError` on `field` for a malformed id, a `NotFoundError` for an unknown one.
 */
export async function findModel(root: string, id: string, field = 'id'): Promise<ModelFolder> {
  if (!MODEL_ID.test(id)) {
    throw new ValidationError(`'${id.slice(0, 80)}' is not a model id (a uuid)`, field);
  }
  const direct = join(root, id);
  if (existsSync(join(direct, BUNDLE_META))) {
    const meta = await readBundleMeta(direct);
    if (meta.id === id) return { dir: direct, meta };
  }
  const hit = (await findModels(root)).find((m) => m.meta.id === id);
  if (!hit) throw new NotFoundError(`no model with id '${id}'`, { what: 'model', resource: id });
  return hit;
}
