/**
 * What the records of a TFRecord file hold, from one pass over them: every feature with its
 * kind and lengths, and whether the file is in AiryNet's single-shot layout
 * (Zimmermann et al. 2019, the seed's `nn/data.py`):
 *
 * - `image/encoded`: one byte string, raw little-endian **uint16** pixels, (h, w, 1);
 * - `image/height`, `image/width`: int64;
 * - `image/class/label`: one byte string, an **int16** multi-hot vector of the classes;
 * - `image/format`: a byte string naming the encoding (`raw`).
 *
 * Such a file is presented as data arrays `images` (n, h, w) uint16 and `labels` (n, c) int16.
 * Other layouts map their keys onto these roles (`TfrecordLayout`, `--layout image=…,label=…`);
 * the seed's predict mode keeps an **int32 bunch id** in `image/class/label` (4 raw bytes; an
 * int64 feature is read too): with `bunch=<key>` that feature is the data array `bunch_id` (n)
 * int32 instead of labels.
 */
import type { Metadata } from '../../core/data-array.js';
import { ValidationError } from '../../core/errors.js';
import type { ExampleRecord, Feature, FeatureMap } from './example.js';
import { featureLength } from './example.js';

export const KEY_IMAGE = 'image/encoded';
export const KEY_HEIGHT = 'image/height';
export const KEY_WIDTH = 'image/width';
export const KEY_LABEL = 'image/class/label';
export const KEY_FORMAT = 'image/format';

/** The keys the single-shot layout consumes. */
export const SINGLE_SHOT_KEYS: readonly string[] = [
  KEY_IMAGE,
  KEY_HEIGHT,
  KEY_WIDTH,
  KEY_LABEL,
  KEY_FORMAT,
];

/** Which feature keys hold the single-shot roles (defaults: the seed's keys, no bunch id). */
export interface TfrecordLayout {
  image: string;
  label: string;
  height: string;
  width: string;
  format: string;
  /** The feature holding an int32 bunch id (the seed's predict mode: `image/class/label`). */
  bunch?: string;
}

export const SEED_LAYOUT: TfrecordLayout = {
  image: KEY_IMAGE,
  label: KEY_LABEL,
  height: KEY_HEIGHT,
  width: KEY_WIDTH,
  format: KEY_FORMAT,
};

const ROLES = ['image', 'label', 'height', 'width', 'format', 'bunch'] as const;

/** The help text of a `--layout <spec>` option (the grammar {@link parseTfrecordLayout} reads). */
export const LAYOUT_HELP =
  'TFRecord feature keys of another layout: image=<key>,label=<key>,height=<key>,\n' +
  "width=<key>,format=<key>,bunch=<key> (any subset; default the seed's image/encoded,\n" +
  'image/class/label, image/height, image/width)';

/**
 * `image=<key>,label=<key>,height=<key>,width=<key>,format=<key>,bunch=<key>` (any subset; the
 * others keep the seed's keys) → a layout. A ValidationError on `field` for a malformed spec.
 */
export function parseTfrecordLayout(spec: string, field = 'layout'): TfrecordLayout {
  const out: TfrecordLayout = { ...SEED_LAYOUT };
  const seen = new Set<string>();
  for (const part of spec.split(',')) {
    const eq = part.indexOf('=');
    const role = (eq < 0 ? part : part.slice(0, eq)).trim();
    const key = eq < 0 ? '' : part.slice(eq + 1).trim();
    if (!(ROLES as readonly string[]).includes(role)) {
      throw new ValidationError(
        `'${part.slice(0, 80)}': expected <role>=<feature key> with role one of ${ROLES.join(', ')}`,
        field,
      );
    }
    if (key === '' || key.length > 256) {
      throw new ValidationError(`${role}: give a feature key (1–256 characters)`, field);
    }
    if (seen.has(role)) throw new ValidationError(`${role} is given twice`, field);
    seen.add(role);
    out[role as (typeof ROLES)[number]] = key;
  }
  const keys = [out.image, out.height, out.width];
  if (new Set(keys).size !== keys.length || (keys.includes(out.label) && out.bunch !== out.label)) {
    throw new ValidationError('image, height, width and label must be different features', field);
  }
  return out;
}

/** The keys a layout consumes (not listed again as generic arrays). */
export function layoutKeys(l: TfrecordLayout): string[] {
  return [
    l.image,
    l.height,
    l.width,
    l.label,
    l.format,
    ...(l.bunch !== undefined ? [l.bunch] : []),
  ];
}

export type FeatureKind = Feature['kind'];

/** One feature over all records. */
export interface FeatureSummary {
  name: string;
  /** `bytes`, `float`, `int64`; `mixed` when records disagree. */
  kind: FeatureKind | 'mixed';
  /** Shortest and longest value count (byte strings count one each). */
  minLength: number;
  maxLength: number;
  /** For byte features: the shortest and longest string, in bytes. */
  minBytes?: number;
  maxBytes?: number;
  /** Records that have it. */
  records: number;
  /** `context` of an Example / SequenceExample, or a SequenceExample's `feature_list`. */
  where: 'context' | 'feature_list';
}

/** The single-shot layout's sizes, when every record follows it with the same sizes. */
export interface SingleShot {
  height: number;
  width: number;
  /** Label entries (int16 each); 0 when no record has a label. */
  classes: number;
}

export class LayoutScan {
  constructor(readonly layout: TfrecordLayout = SEED_LAYOUT) {}
  records = 0;
  examples = 0;
  sequences = 0;
  private readonly features = new Map<string, FeatureSummary>();
  private single: SingleShot | undefined | null = undefined; // null: not the layout

  add(r: ExampleRecord): void {
    this.records++;
    if (r.type === 'example') {
      this.examples++;
      this.addMap(r.features, 'context');
      this.checkSingle(r.features);
    } else {
      this.sequences++;
      this.addMap(r.context, 'context');
      for (const [name, steps] of Object.entries(r.featureLists)) {
        this.addOne('feature_list', name, steps.length, steps[0]?.kind ?? 'none');
      }
      this.single = null;
    }
  }

  private addMap(m: FeatureMap, where: 'context'): void {
    for (const [name, f] of Object.entries(m)) {
      this.addOne(where, name, featureLength(f), f.kind, f.kind === 'bytes' ? f.value : undefined);
    }
  }

  private addOne(
    where: FeatureSummary['where'],
    name: string,
    length: number,
    kind: FeatureKind,
    bytes?: Uint8Array[],
  ): void {
    const key = `${where}:${name}`;
    let s = this.features.get(key);
    if (!s) {
      s = { name, kind, minLength: length, maxLength: length, records: 0, where };
      this.features.set(key, s);
    }
    s.records++;
    if (s.kind !== kind) s.kind = 'mixed';
    s.minLength = Math.min(s.minLength, length);
    s.maxLength = Math.max(s.maxLength, length);
    if (bytes) {
      for (const b of bytes) {
        s.minBytes = Math.min(s.minBytes ?? Infinity, b.length);
        s.maxBytes = Math.max(s.maxBytes ?? 0, b.length);
      }
    }
  }

  private checkSingle(m: FeatureMap): void {
    if (this.single === null) return;
    const s = singleShotSizes(m, this.layout);
    if (s === undefined) {
      this.single = null;
      return;
    }
    if (this.single === undefined) this.single = s;
    else if (
      this.single.height !== s.height ||
      this.single.width !== s.width ||
      this.single.classes !== s.classes
    )
      this.single = null;
  }

  /** Every feature, in the order first seen. */
  summaries(): FeatureSummary[] {
    return [...this.features.values()];
  }

  /** The single-shot layout's sizes, if the file follows it (and has records). */
  singleShot(): SingleShot | undefined {
    return this.single ?? undefined;
  }

  /** Uniform numeric or byte features outside the single-shot keys: (name, length per record). */
  uniform(): FeatureSummary[] {
    const single = this.singleShot() !== undefined;
    return this.summaries().filter(
      (s) =>
        s.where === 'context' &&
        s.records === this.records &&
        s.kind !== 'mixed' &&
        s.kind !== 'none' &&
        s.minLength === s.maxLength &&
        s.minLength > 0 &&
        (s.kind !== 'bytes' || (!single && s.minLength === 1 && s.minBytes === s.maxBytes)) &&
        !(single && layoutKeys(this.layout).includes(s.name)),
    );
  }

  metadata(): Metadata {
    const features = this.summaries().map((s) => {
      const o: Metadata = { name: s.name, kind: s.kind, where: s.where, records: s.records };
      if (s.minLength === s.maxLength) o.length = s.minLength;
      else o.lengths = `${s.minLength}..${s.maxLength}`;
      if (s.minBytes !== undefined)
        o.bytes = s.minBytes === s.maxBytes ? s.minBytes : `${s.minBytes}..${s.maxBytes}`;
      return o;
    });
    const single = this.singleShot();
    return {
      records: this.records,
      recordType:
        this.sequences === 0 ? 'Example' : this.examples === 0 ? 'SequenceExample' : 'mixed',
      layout: single ? 'single-shot' : 'generic',
      features,
    };
  }
}

function scalarInt(f: Feature | undefined): number | undefined {
  if (f?.kind !== 'int64' || f.value.length !== 1) return undefined;
  const v = f.value[0]!;
  return v > 0n && v <= 65536n ? Number(v) : undefined;
}

function oneBytes(f: Feature | undefined): Uint8Array | undefined {
  return f?.kind === 'bytes' && f.value.length === 1 ? f.value[0] : undefined;
}

/** The bunch id of a record: 4 raw bytes (int32 little-endian) or one int64 within int32. */
export function bunchId(f: Feature | undefined): number | undefined {
  const b = oneBytes(f);
  if (b !== undefined) {
    return b.length === 4 ? new DataView(b.buffer, b.byteOffset, 4).getInt32(0, true) : undefined;
  }
  if (f?.kind !== 'int64' || f.value.length !== 1) return undefined;
  const v = f.value[0]!;
  return v >= -(2n ** 31n) && v < 2n ** 31n ? Number(v) : undefined;
}

/** The single-shot sizes of one record, or undefined when it does not follow the layout. */
export function singleShotSizes(
  m: FeatureMap,
  l: TfrecordLayout = SEED_LAYOUT,
): SingleShot | undefined {
  const height = scalarInt(m[l.height]);
  const width = scalarInt(m[l.width]);
  const img = oneBytes(m[l.image]);
  if (height === undefined || width === undefined || img === undefined) return undefined;
  if (img.length !== 2 * height * width) return undefined;
  if (l.bunch !== undefined && bunchId(m[l.bunch]) === undefined) return undefined;
  const label = l.label === l.bunch ? undefined : m[l.label];
  if (label === undefined) return { height, width, classes: 0 };
  const lb = oneBytes(label);
  if (lb === undefined || lb.length % 2 !== 0) return undefined;
  return { height, width, classes: lb.length / 2 };
}
