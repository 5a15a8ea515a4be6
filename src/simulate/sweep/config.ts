/**
 * Loading a sweep file: YAML → schema check (errors name the key and its line) → a resolved
 * sweep whose CIFs are read and hashed, so that the dataset id is a function of the config.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename, dirname, extname, resolve } from 'node:path';
import { isMap, isPair, isScalar, LineCounter, parseDocument } from 'yaml';
import type { Document, Node } from 'yaml';
import type { ZodIssue } from 'zod';
import { NotFoundError, ValidationError } from '../../core/errors.js';
import type { Sweep } from './schema.js';
import { sweepSchema } from './schema.js';

/** One phase with its CIF read: the text travels with every shard job (workers need no files). */
export interface ResolvedPhase {
  name: string;
  /** Absolute path of the CIF at load time (informational). */
  cifPath: string;
  cifText: string;
  /** sha256 of the CIF bytes, hex. */
  cifSha256: string;
  latticeScale: [number, number] | undefined;
}

export interface ResolvedSweep {
  sweep: Sweep;
  phases: ResolvedPhase[];
  /** Class names in label order (phases, then `background` when enabled). */
  classes: string[];
  /** sha256 of the canonical config (CIF contents by hash, output directory excluded). */
  hash: string;
  /** uuid (version-4 layout) derived from `hash`: same config → same dataset id. */
  datasetId: string;
  /** Absolute path of the sweep file, or undefined for an in-memory config. */
  source: string | undefined;
  /** Output directory from the file (absolute), if it names one. */
  outputDir: string | undefined;
}

/** Parse and validate sweep YAML text. `file` is used in messages only. */
export function parseSweep(text: string, file = 'sweep.yaml'): Sweep {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const first = doc.errors[0];
  if (first) {
    const { line, col } = lineCounter.linePos(first.pos[0]);
    throw new ValidationError(
      `${file}:${line}:${col}: invalid YAML: ${first.message.split('\n')[0]}`,
      undefined,
    );
  }
  const result = sweepSchema.safeParse(doc.toJS() ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw issueToError(issue, doc, lineCounter, file, result.error.issues.length);
}

function issueToError(
  issue: ZodIssue,
  doc: Document,
  lc: LineCounter,
  file: string,
  total: number,
): ValidationError {
  const path = [...issue.path];
  if (issue.code === 'unrecognized_keys') path.push(issue.keys[0] ?? '');
  const key = path.length === 0 ? '(root)' : formatPath(path);
  const line = lineOf(doc, lc, path);
  const more = total > 1 ? ` (and ${total - 1} more problem${total > 2 ? 's' : ''})` : '';
  const msg =
    issue.code === 'unrecognized_keys'
      ? `unknown key '${issue.keys.join("', '")}'`
      : issue.code === 'invalid_type' && issue.received === 'undefined'
        ? `required key is missing (${issue.expected})`
        : issue.message;
  return new ValidationError(`${msg} (${file}:${line})${more}`, key);
}

function formatPath(path: readonly (string | number)[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? p : `.${p}`;
  return s;
}

/** Line of the deepest node along `path` that exists (a missing key → its parent's line). */
function lineOf(doc: Document, lc: LineCounter, path: readonly (string | number)[]): number {
  for (let k = path.length; k >= 0; k--) {
    const sub = path.slice(0, k);
    // For an unknown key, point at the key itself.
    const node = keyNode(doc, sub) ?? (doc.getIn(sub, true) as Node | undefined);
    const start = node?.range?.[0];
    if (start !== undefined) return lc.linePos(start).line;
  }
  return 1;
}

function keyNode(doc: Document, path: readonly (string | number)[]): Node | undefined {
  if (path.length === 0) return undefined;
  const parent = doc.getIn(path.slice(0, -1), true);
  const last = path[path.length - 1];
  if (!isMap(parent)) return undefined;
  for (const item of parent.items) {
    if (isPair(item) && isScalar(item.key) && item.key.value === last) return item.key;
  }
  return undefined;
}

/** Canonical JSON: object keys sorted, so equal configs hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A uuid in the version-4 layout made from the first 16 bytes of a hex digest. */
export function uuidFromHash(hex: string): string {
  const b = Buffer.from(hex.slice(0, 32), 'hex');
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Read the CIFs of a validated sweep and compute its hash and id. */
export async function resolveSweep(
  sweep: Sweep,
  baseDir: string,
  source?: string,
): Promise<ResolvedSweep> {
  const phases: ResolvedPhase[] = [];
  for (const [i, p] of sweep.phases.entries()) {
    const cifPath = resolve(baseDir, p.cif);
    let bytes: Buffer;
    try {
      bytes = await readFile(cifPath);
    } catch (err) {
      throw new ValidationError(
        `cannot read CIF '${p.cif}' (resolved to ${cifPath}): ${(err as Error).message}`,
        `phases[${i}].cif`,
        { cause: err },
      );
    }
    phases.push({
      name: p.name ?? basename(p.cif, extname(p.cif)),
      cifPath,
      cifText: bytes.toString('utf8'),
      cifSha256: sha256Hex(bytes),
      latticeScale: p.latticeScale,
    });
  }
  const names = new Set<string>();
  for (const [i, p] of phases.entries()) {
    if (names.has(p.name)) {
      throw new ValidationError(`duplicate phase name '${p.name}'`, `phases[${i}].name`);
    }
    names.add(p.name);
  }
  const classes = phases.map((p) => p.name);
  if (sweep.backgroundClass) classes.push('background');
  const hash = sha256Hex(canonicalJson(hashedView(sweep, phases)));
  return {
    sweep,
    phases,
    classes,
    hash,
    datasetId: uuidFromHash(hash),
    source,
    outputDir: sweep.output.dir === undefined ? undefined : resolve(baseDir, sweep.output.dir),
  };
}

/** What the dataset depends on: everything but where it is written. */
function hashedView(sweep: Sweep, phases: readonly ResolvedPhase[]): unknown {
  return {
    ...sweep,
    output: { format: sweep.output.format },
    phases: phases.map((p) => ({
      name: p.name,
      cifSha256: p.cifSha256,
      latticeScale: p.latticeScale,
    })),
  };
}

/** Load, validate and resolve a sweep file. */
export async function loadSweep(path: string): Promise<ResolvedSweep> {
  const abs = resolve(path);
  let text: string;
  try {
    text = await readFile(abs, 'utf8');
  } catch (err) {
    throw new NotFoundError(`cannot read sweep file ${abs}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return resolveSweep(parseSweep(text, path), dirname(abs), abs);
}
