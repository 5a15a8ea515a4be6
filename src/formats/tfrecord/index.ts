/** TFRecord (tf.train.Example / SequenceExample records): public API of the format. */
export { crc32c, crc32cUpdate, maskCrc, maskedCrc32c, unmaskCrc } from './crc32c.js';
export {
  detectCompression,
  encodeRecord,
  readRecordAt,
  readRecords,
  FRAME_BYTES,
  MAX_RECORD_BYTES,
  TFRECORD,
} from './framing.js';
export type { Compression, RawRecord } from './framing.js';
export {
  decodeExample,
  decodeExampleRecord,
  encodeExample,
  encodeSequenceExample,
  featureLength,
} from './example.js';
export type {
  Example,
  ExampleRecord,
  Feature,
  FeatureMap,
  SequenceExample,
  EncodeOptions,
} from './example.js';
export {
  bunchId,
  LAYOUT_HELP,
  layoutKeys,
  LayoutScan,
  parseTfrecordLayout,
  SEED_LAYOUT,
  singleShotSizes,
  KEY_FORMAT,
  KEY_HEIGHT,
  KEY_IMAGE,
  KEY_LABEL,
  KEY_WIDTH,
} from './layout.js';
export type { FeatureSummary, SingleShot, TfrecordLayout } from './layout.js';
export {
  isTfrecord,
  openInLayout,
  openTfrecord,
  readExamples,
  tfrecordReader,
  TFRECORD_EXTENSIONS,
} from './reader.js';
export {
  arraysToExamples,
  createTfrecordWriter,
  examplesToTfrecord,
  singleShotExample,
  tfrecordBytes,
  tfrecordWriter,
} from './writer.js';
