/**
 * The models root of the PACBED workflow (`--models ROOT`, default `models/pacbed`): one folder
 * per (material, high tension [kV], zone axis) holding the bundles of its CNNs, and two records
 * of what is there — bragg's `register.json` (per key: the bundle of each target and the
 * convergence-angle range [mrad] it was trained on) and the seed's `Register.csv`
 * (`;`-separated `material;high tension;direction`, the direction written `(u, v, w)`; bragg
 * adds the folder as a first `id` column). A root with only a `Register.csv` (the seed's) is
 * read too: each target's bundle is then found in the key's folder by its `bragg.json`.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { z } from 'zod';
import { FormatError, NotFoundError, ValidationError } from '../../core/errors.js';
import { readBundleMeta } from '../../ml/store/bundle.js';
import { parseCsv, stringColumn } from '../../formats/table/csv.js';
import { PACBED_TARGETS, type PacbedTarget } from './labels.js';
import { parseZone } from './table.js';

export const DEFAULT_MODELS_ROOT = 'models/pacbed';
export const REGISTER_JSON = 'register.json';
export const REGISTER_CSV = 'Register.csv';
const FORMAT = 'bragg-pacbed-register/1';

export type Zone = [number, number, number];

export interface RegisteredModel {
  id: string;
  /** Bundle folder, relative to the models root. */
  dir: string;
  /** Convergence angles [mrad] of its training table. */
  convRange: [number, number];
}

export interface RegisterEntry {
  material: string;
  /** High tension [kV]. */
  kv: number;
  zone: Zone;
  /** The key's folder, relative to the root. */
  dir: string;
  models: Partial<Record<PacbedTarget, RegisteredModel>>;
}

const modelSchema = z.object({
  id: z.string(),
  dir: z.string(),
  convRange: z.tuple([z.number(), z.number()]),
});
const registerSchema = z.object({
  format: z.literal(FORMAT),
  entries: z.array(
    z.object({
      material: z.string().min(1),
      kv: z.number(),
      zone: z.tuple([z.number().int(), z.number().int(), z.number().int()]),
      dir: z.string().min(1),
      models: z.object({
        thickness: modelSchema.optional(),
        mistilt: modelSchema.optional(),
        scale: modelSchema.optional(),
      }),
    }),
  ),
});

/** The key's folder name: `Rutile_80kV_001` (negative indices as m1). */
export function keyFolder(material: string, kv: number, zone: Zone): string {
  const safe = material.replace(/[^A-Za-z0-9._-]+/g, '_');
  const z = zone.every((v) => v >= 0 && v < 10)
    ? zone.join('')
    : zone.map((v) => (v < 0 ? `m${-v}` : String(v))).join('_');
  return `${safe}_${kv}kV_${z}`;
}

export function describeKey(e: { material: string; kv: number; zone: Zone }): string {
  return `${e.material}, ${e.kv} kV, [${e.zone.join(' ')}]`;
}

const sameKey = (e: RegisterEntry, material: string, kv: number, zone: Zone): boolean =>
  e.material.toLowerCase() === material.toLowerCase() &&
  e.kv === kv &&
  e.zone.join(',') === zone.join(',');

/** The seed's Register.csv text (with bragg's id column first). */
export function formatRegisterCsv(entries: readonly RegisterEntry[]): string {
  const rows = entries.map((e) => `${e.dir};${e.material};${e.kv};(${e.zone.join(', ')})`);
  return ['id;material;high tension;direction', ...rows].join('\n') + '\n';
}

/** Bundles in `dir` that are PACBED models of `target`, newest first. */
async function findBundle(
  root: string,
  dir: string,
  target: PacbedTarget,
): Promise<RegisteredModel | undefined> {
  const abs = join(root, dir);
  if (!existsSync(abs)) return undefined;
  const found: { m: RegisteredModel; at: string }[] = [];
  for (const name of await readdir(abs)) {
    const sub = join(abs, name);
    if (!existsSync(join(sub, 'bragg.json'))) continue;
    const meta = await readBundleMeta(sub).catch(() => undefined);
    const p = meta?.pacbed as { target?: string; convRange?: [number, number] } | undefined;
    if (meta === undefined || meta.workflow !== 'pacbed' || p?.target !== target) continue;
    found.push({
      m: { id: meta.id, dir: relative(root, sub), convRange: p.convRange ?? [0, 0] },
      at: meta.createdAt,
    });
  }
  found.sort((a, b) => b.at.localeCompare(a.at));
  return found[0]?.m;
}

/** The seed's Register.csv alone: keys, and the bundles found in their folders. */
async function readSeedRegister(root: string, file: string): Promise<RegisterEntry[]> {
  const t = parseCsv(await readFile(file, 'utf8'), { file, delimiter: ';' });
  const need = ['material', 'high tension', 'direction'];
  const missing = need.filter((n) => !t.columns.some((c) => c.name === n));
  if (missing.length > 0) {
    throw new FormatError('PACBED register', 'not a Register.csv', {
      file,
      expected: need.join(';'),
      found: t.columns.map((c) => c.name).join(';'),
    });
  }
  const material = stringColumn(t, 'material');
  const kv = stringColumn(t, 'high tension').map(Number);
  const dir = stringColumn(t, 'direction').map((d) => parseZone(d, 'direction'));
  const idCol = t.columns.find((c) => c.name === 'id' || c.name === 'Unnamed: 0');
  const ids = idCol === undefined ? undefined : stringColumn(t, idCol.name);
  const out: RegisterEntry[] = [];
  for (let r = 0; r < t.rowCount; r++) {
    const e: RegisterEntry = {
      material: material[r]!,
      kv: kv[r]!,
      zone: dir[r]!,
      dir: ids?.[r] || keyFolder(material[r]!, kv[r]!, dir[r]!),
      models: {},
    };
    for (const target of PACBED_TARGETS) {
      const m = await findBundle(root, e.dir, target);
      if (m !== undefined) e.models[target] = m;
    }
    out.push(e);
  }
  return out;
}

/** What the models root holds (empty when it has no register). */
export async function readRegister(rootIn: string): Promise<RegisterEntry[]> {
  const root = resolve(rootIn);
  if (existsSync(root) && !statSync(root).isDirectory()) {
    throw new ValidationError(`${rootIn} is a file, not a models folder`, 'models');
  }
  const json = join(root, REGISTER_JSON);
  if (existsSync(json)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(json, 'utf8'));
    } catch (err) {
      throw new FormatError('PACBED register', `${REGISTER_JSON} is not JSON`, {
        file: json,
        cause: err,
      });
    }
    const r = registerSchema.safeParse(parsed);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      throw new FormatError('PACBED register', `${REGISTER_JSON} is not a model register`, {
        file: json,
        path: issue.path.join('.') || '(root)',
        expected: issue.message,
      });
    }
    return r.data.entries as RegisterEntry[];
  }
  const csv = join(root, REGISTER_CSV);
  return existsSync(csv) ? readSeedRegister(root, csv) : [];
}

async function writeAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}

export async function writeRegister(
  rootIn: string,
  entries: readonly RegisterEntry[],
): Promise<void> {
  const root = resolve(rootIn);
  await mkdir(root, { recursive: true });
  await writeAtomic(
    join(root, REGISTER_JSON),
    `${JSON.stringify({ format: FORMAT, entries }, null, 2)}\n`,
  );
  await writeAtomic(join(root, REGISTER_CSV), formatRegisterCsv(entries));
}

export interface Registration {
  material: string;
  kv: number;
  zone: Zone;
  target: PacbedTarget;
  model: RegisteredModel;
}

/** Record a trained model under its key (replacing the key's previous model of that target). */
export async function registerModel(root: string, r: Registration): Promise<RegisterEntry> {
  const entries = await readRegister(root);
  let e = entries.find((x) => sameKey(x, r.material, r.kv, r.zone));
  if (e === undefined) {
    e = {
      material: r.material,
      kv: r.kv,
      zone: r.zone,
      dir: keyFolder(r.material, r.kv, r.zone),
      models: {},
    };
    entries.push(e);
  }
  e.models[r.target] = r.model;
  await writeRegister(root, entries);
  return e;
}

/** The entry of a key; a NotFoundError listing what is registered when there is none. */
export async function lookupModels(
  root: string,
  material: string,
  kv: number,
  zone: Zone,
): Promise<RegisterEntry> {
  const entries = await readRegister(root);
  const e = entries.find((x) => sameKey(x, material, kv, zone));
  if (e !== undefined) return e;
  const have = entries.length === 0 ? 'nothing' : entries.map(describeKey).join('; ');
  throw new NotFoundError(
    `no PACBED models for ${describeKey({ material, kv, zone })} in ${resolve(root)}; registered: ${have}`,
    { what: 'model', resource: describeKey({ material, kv, zone }) },
  );
}
