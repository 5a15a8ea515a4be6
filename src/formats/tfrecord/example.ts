/**
 * tf.train.Example and tf.train.SequenceExample: decode and encode, through protobufjs with the
 * schema written below (the field numbers of TensorFlow's `example.proto` / `feature.proto`).
 * Repeated numbers are read packed or unpacked alike and written packed (TensorFlow's
 * default), or unpacked on request. int64 values are `BigInt64Array`s, floats `Float32Array`s.
 */
import protobuf from 'protobufjs';
import type Long from 'long';
import { FormatError } from '../../core/errors.js';
import { TFRECORD } from './framing.js';

const schema = (packed: boolean): string => `
syntax = "proto3";
package tensorflow;
message BytesList { repeated bytes value = 1; }
message FloatList { repeated float value = 1 [packed = ${packed}]; }
message Int64List { repeated int64 value = 1 [packed = ${packed}]; }
message Feature {
  oneof kind {
    BytesList bytes_list = 1;
    FloatList float_list = 2;
    Int64List int64_list = 3;
  }
}
message Features { map<string, Feature> feature = 1; }
message FeatureList { repeated Feature feature = 1; }
message FeatureLists { map<string, FeatureList> feature_list = 1; }
message Example { Features features = 1; }
message SequenceExample {
  Features context = 1;
  FeatureLists feature_lists = 2;
}
`;

function types(packed: boolean): { example: protobuf.Type; sequence: protobuf.Type } {
  const root = protobuf.parse(schema(packed), { keepCase: true }).root;
  return {
    example: root.lookupType('tensorflow.Example'),
    sequence: root.lookupType('tensorflow.SequenceExample'),
  };
}

const PACKED = types(true);
const UNPACKED = types(false);

/** One feature: a list of byte strings, of float32 or of int64 values, or nothing set. */
export type Feature =
  | { kind: 'bytes'; value: Uint8Array[] }
  | { kind: 'float'; value: Float32Array }
  | { kind: 'int64'; value: BigInt64Array }
  | { kind: 'none' };

export type FeatureMap = Record<string, Feature>;

/** A tf.train.Example: named features. */
export interface Example {
  features: FeatureMap;
}

/** A tf.train.SequenceExample: context features and named lists of features (steps). */
export interface SequenceExample {
  context: FeatureMap;
  featureLists: Record<string, Feature[]>;
}

/** A decoded record: an Example, or a SequenceExample when it has feature lists. */
export type ExampleRecord =
  ({ type: 'example' } & Example) | ({ type: 'sequence' } & SequenceExample);

/** Number of values in a feature (byte strings count one each). */
export function featureLength(f: Feature): number {
  return f.kind === 'none' ? 0 : f.value.length;
}

interface PbList {
  value?: unknown[];
}
interface PbFeature {
  bytes_list?: PbList;
  float_list?: PbList;
  int64_list?: PbList;
}
interface PbFeatures {
  feature?: Record<string, PbFeature>;
}
interface PbSequence {
  context?: PbFeatures;
  feature_lists?: { feature_list?: Record<string, { feature?: PbFeature[] }> };
}

/** A plain Uint8Array view (protobufjs hands out Buffers in Node). */
function plainBytes(b: unknown): Uint8Array {
  const u = b as Uint8Array;
  return new Uint8Array(u.buffer, u.byteOffset, u.length);
}

function toBigInt(x: unknown): bigint {
  if (typeof x === 'number') return BigInt(x);
  const l = x as Long;
  return (BigInt(l.high) << 32n) | BigInt(l.low >>> 0);
}

function fromPb(f: PbFeature): Feature {
  if (f.bytes_list) {
    return { kind: 'bytes', value: (f.bytes_list.value ?? []).map(plainBytes) };
  }
  if (f.float_list)
    return { kind: 'float', value: Float32Array.from((f.float_list.value ?? []) as number[]) };
  if (f.int64_list) {
    const v = f.int64_list.value ?? [];
    const out = new BigInt64Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = BigInt.asIntN(64, toBigInt(v[i]));
    return { kind: 'int64', value: out };
  }
  return { kind: 'none' };
}

function toPb(f: Feature): PbFeature {
  switch (f.kind) {
    case 'bytes':
      return { bytes_list: { value: f.value } };
    case 'float':
      return { float_list: { value: Array.from(f.value) } };
    case 'int64':
      return { int64_list: { value: Array.from(f.value, (x) => x.toString()) } };
    case 'none':
      return {};
  }
}

function mapFromPb(m: PbFeatures | undefined): FeatureMap {
  const out: FeatureMap = {};
  for (const [k, v] of Object.entries(m?.feature ?? {})) out[k] = fromPb(v);
  return out;
}

function mapToPb(m: FeatureMap): PbFeatures {
  const feature: Record<string, PbFeature> = {};
  for (const [k, v] of Object.entries(m)) feature[k] = toPb(v);
  return { feature };
}

/** Where a record came from, for errors. */
export interface RecordWhere {
  file: string;
  index: number;
  offset?: number;
}

function decodeError(w: RecordWhere, what: string, err: unknown): FormatError {
  return new FormatError(
    TFRECORD,
    `record ${w.index}: not a valid ${what} (${(err as Error).message})`,
    {
      file: w.file,
      path: `record ${w.index}`,
      offset: w.offset,
      cause: err,
    },
  );
}

/**
 * Decode a record's data: a SequenceExample when it holds feature lists (field 2), else an
 * Example (the two share field 1). Malformed bytes are a FormatError naming the record.
 */
export function decodeExampleRecord(data: Uint8Array, w: RecordWhere): ExampleRecord {
  let m: PbSequence;
  try {
    m = PACKED.sequence.decode(data) as unknown as PbSequence;
  } catch (err) {
    throw decodeError(w, 'tf.train.Example', err);
  }
  const lists = m.feature_lists?.feature_list ?? {};
  const names = Object.keys(lists);
  if (names.length === 0) return { type: 'example', features: mapFromPb(m.context) };
  const featureLists: Record<string, Feature[]> = {};
  for (const k of names) featureLists[k] = (lists[k]?.feature ?? []).map(fromPb);
  return { type: 'sequence', context: mapFromPb(m.context), featureLists };
}

/** Decode a tf.train.Example. */
export function decodeExample(data: Uint8Array, w: RecordWhere): Example {
  const r = decodeExampleRecord(data, w);
  if (r.type === 'example') return { features: r.features };
  return { features: r.context };
}

export interface EncodeOptions {
  /** Write repeated floats and int64s packed (default, as TensorFlow does) or unpacked. */
  packed?: boolean;
}

/** Encode a tf.train.Example. */
export function encodeExample(e: Example, o: EncodeOptions = {}): Uint8Array {
  const t = (o.packed ?? true) ? PACKED.example : UNPACKED.example;
  return plainBytes(t.encode(t.fromObject({ features: mapToPb(e.features) })).finish());
}

/** Encode a tf.train.SequenceExample. */
export function encodeSequenceExample(e: SequenceExample, o: EncodeOptions = {}): Uint8Array {
  const t = (o.packed ?? true) ? PACKED.sequence : UNPACKED.sequence;
  const featureList: Record<string, { feature: PbFeature[] }> = {};
  for (const [k, v] of Object.entries(e.featureLists)) featureList[k] = { feature: v.map(toPb) };
  return plainBytes(
    t
      .encode(
        t.fromObject({ context: mapToPb(e.context), feature_lists: { feature_list: featureList } }),
      )
      .finish(),
  );
}
