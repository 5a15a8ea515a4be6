/** Gatan DigitalMicrograph DM3/DM4: reader, tag tree, image descriptions. */
export { dmReader, openDm, openDmBytes, DmFile } from './reader.js';
export type { DmImage } from './images.js';
export type { DmTree, TagGroup, TagNode, TagValue, ArrayRef } from './tags.js';
export { keyMetadata, isoDate, isoTime } from './metadata.js';
